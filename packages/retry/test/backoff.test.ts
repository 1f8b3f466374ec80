import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  backoffDelay,
  decorrelatedJitter,
  exponentialCeiling,
  fixedRandom,
  fullJitter,
  seededRandom,
} from '../src/index.js';

describe('exponential backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => exponentialCeiling(n, 500, 30_000));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it("mode 'none' returns the ceiling exactly", () => {
    const delays = [1, 2, 3].map((retry) =>
      backoffDelay({ mode: 'none', retry, baseMs: 1000, capMs: 3000, random: fixedRandom(0.9) }),
    );
    assert.deepEqual(delays, [1000, 2000, 3000]);
  });

  it('survives huge retry numbers (2^n overflows to Infinity, the cap wins)', () => {
    assert.equal(exponentialCeiling(5000, 500, 30_000), 30_000);
  });
});

describe('full jitter', () => {
  it('scales the ceiling by the random draw, exactly', () => {
    const random = fixedRandom(0.5, 0.25, 0.999);
    const delays = [1, 2, 3].map((n) => fullJitter(n, 500, 30_000, random));
    assert.deepEqual(delays, [250, 250, 1998]);
  });

  it('stays in [0, ceiling) for 10 000 seeded draws, and uses the whole range', () => {
    const random = seededRandom(42);
    for (const retry of [1, 2, 3, 4, 10]) {
      const ceiling = exponentialCeiling(retry, 500, 30_000);
      const draws = Array.from({ length: 2000 }, () => fullJitter(retry, 500, 30_000, random));
      assert.ok(draws.every((d) => d >= 0 && d < ceiling && Number.isInteger(d)));
      assert.ok(Math.min(...draws) < ceiling * 0.05, 'reaches near 0');
      assert.ok(Math.max(...draws) > ceiling * 0.95, 'reaches near the ceiling');
    }
  });
});

describe('decorrelated jitter', () => {
  it('draws from [base, 3·previous), starting from previous = base', () => {
    assert.equal(decorrelatedJitter(undefined, 100, 10_000, fixedRandom(0)), 100);
    assert.equal(decorrelatedJitter(undefined, 100, 10_000, fixedRandom(0.5)), 200); // 100 + 0.5·(300-100)
    assert.equal(decorrelatedJitter(1000, 100, 10_000, fixedRandom(0.5)), 1550); // 100 + 0.5·(3000-100)
  });

  it('is capped', () => {
    assert.equal(decorrelatedJitter(20_000, 100, 10_000, fixedRandom(0.9)), 10_000);
  });

  it('stays within bounds along a seeded chain', () => {
    const random = seededRandom(7);
    let previous: number | undefined;
    for (let i = 0; i < 5000; i++) {
      const next = decorrelatedJitter(previous, 500, 30_000, random);
      const upper = Math.max(500, 3 * (previous ?? 500));
      assert.ok(next >= 500 && next <= Math.min(30_000, upper), `${next} after ${previous}`);
      previous = next;
    }
  });

  it('is selected by backoffDelay', () => {
    const input = { mode: 'decorrelated' as const, retry: 2, baseMs: 100, capMs: 5000, previousMs: 400 };
    assert.equal(backoffDelay({ ...input, random: fixedRandom(0.5) }), 650);
  });
});
