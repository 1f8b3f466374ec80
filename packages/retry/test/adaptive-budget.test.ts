/**
 * The adaptive part of the retry budget (SRE book client-side throttling, k = 2) and its floor, on a fake clock
 * with scripted randomness: free retries while most attempts are accepted, the floor's 10 % when none are.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, RetryBudget, RetryPolicy, fixedRandom, type RetryError } from '../src/index.js';
import { failed, httpError, settle } from './helpers.js';

/** A budget whose bucket is empty and never refills, so only the adaptive part can pay. */
function adaptiveOnly(clock: FakeClock, random = fixedRandom(0.5)): RetryBudget {
  return new RetryBudget({ capacity: 0, ratio: 0, refillPerSecond: 0 }, clock, random);
}

describe('RetryBudget, adaptive part', () => {
  it('refuses with probability max(0, (requests - 2 x accepts) / (requests + 1))', () => {
    const clock = new FakeClock(0);
    const budget = adaptiveOnly(clock);
    assert.equal(budget.rejectProbability(), 1, 'no accept in the window: nothing granted');
    for (let i = 0; i < 85; i++) budget.recordAttempt(true);
    for (let i = 0; i < 15; i++) budget.recordAttempt(false);
    assert.deepEqual(budget.window(), { requests: 100, accepts: 85 });
    assert.equal(budget.rejectProbability(), 0);
    for (let i = 0; i < 100; i++) budget.recordAttempt(false);
    // 200 requests, 85 accepts: (200 - 170) / 201
    assert.equal(budget.rejectProbability(), 30 / 201);
  });

  it('pays retries for free while at least half the attempts are accepted, none from the bucket', () => {
    const clock = new FakeClock(0);
    const budget = adaptiveOnly(clock, fixedRandom(0));
    for (let i = 0; i < 10; i++) budget.recordAttempt(i % 2 === 0);
    for (let i = 0; i < 1000; i++) assert.equal(budget.withdraw(), 0);
    assert.equal(budget.available(), 0);
  });

  it('forgets attempts older than windowMs', async () => {
    const clock = new FakeClock(0);
    const budget = new RetryBudget({ windowMs: 12_000 }, clock);
    for (let i = 0; i < 10; i++) budget.recordAttempt(true);
    await clock.advance(6_000);
    for (let i = 0; i < 10; i++) budget.recordAttempt(false);
    assert.deepEqual(budget.window(), { requests: 20, accepts: 10 });
    await clock.advance(6_500);
    assert.deepEqual(budget.window(), { requests: 10, accepts: 0 });
    await clock.advance(12_000);
    assert.deepEqual(budget.window(), { requests: 0, accepts: 0 });
  });

  it('a draw at or above the refusal probability is granted; below it falls to the bucket', () => {
    const clock = new FakeClock(0);
    // 3 requests, 1 accept: p = (3 - 2) / 4 = 0.25
    const low = adaptiveOnly(clock, fixedRandom(0.2));
    const high = adaptiveOnly(clock, fixedRandom(0.3));
    for (const b of [low, high]) {
      b.recordAttempt(true);
      b.recordAttempt(false);
      b.recordAttempt(false);
    }
    assert.equal(low.withdraw(), undefined);
    assert.equal(high.withdraw(), 0);
  });
});

describe('RetryBudget through the engine', () => {
  it('15 % random faults, 85 % success: 2,000 calls all succeed with the default budget', async () => {
    const clock = new FakeClock(0);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const policy = new RetryPolicy({ clock, random });
    let failures = 0;
    let requests = 0;
    const flaky = (): Promise<string> => {
      requests += 1;
      return random() < 0.15 ? Promise.reject(httpError(500, 'InternalError')) : Promise.resolve('ok');
    };
    for (let i = 0; i < 2000; i++) {
      const call = settle(policy.execute(flaky));
      await clock.runAll();
      if (!(await call).ok) failures += 1;
    }
    assert.equal(failures, 0);
    assert.ok(requests / 2000 < 1.25, `${requests / 2000} requests per call`);
  });

  it('100 % failures: about 1.1 requests per call once the window holds only failures', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), budget: { refillPerSecond: 0 } });
    let requests = 0;
    const down = (): Promise<never> => {
      requests += 1;
      return Promise.reject(httpError(503, 'ServerBusy'));
    };
    const run = async (calls: number): Promise<RetryError[]> => {
      const errors: RetryError[] = [];
      for (let i = 0; i < calls; i++) {
        const call = settle(policy.execute(down));
        await clock.runAll();
        errors.push(failed(await call) as RetryError);
      }
      return errors;
    };
    await run(100); // drains the starting bucket
    requests = 0;
    const errors = await run(1000);
    assert.ok(errors.every((e) => e.reason === 'budget-empty'));
    assert.ok(Math.abs(requests - 1100) <= 1, `${requests} requests: one per call plus the 10 % floor`);
  });
});
