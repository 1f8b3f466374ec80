import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AttemptTimeoutError,
  FakeClock,
  RetryPolicy,
  fixedRandom,
  planRetries,
  seededRandom,
  type RetryEvent,
} from '../src/index.js';
import { fetchError, httpError, scripted, settle } from './helpers.js';

describe('planRetries', () => {
  it('previews decisions and waits, stopping at the first give-up', () => {
    const plan = planRetries(
      [
        fetchError('ECONNRESET'),
        httpError(429, 'TooManyRequests', { 'retry-after': '2' }),
        new AttemptTimeoutError(5000),
        httpError(503, 'ServerBusy'),
        httpError(500),
      ],
      { random: fixedRandom(0.5), maxAttempts: 4 },
    );
    assert.deepEqual(plan, [
      {
        attempt: 1,
        code: 'ECONNRESET',
        decision: { kind: 'retry', reason: 'connection-reset' },
        action: 'retry',
        delayMs: 250,
        nextAttemptAtMs: 250,
      },
      {
        attempt: 2,
        status: 429,
        code: 'TooManyRequests',
        decision: { kind: 'throttled', reason: 'too-many-requests', unprocessed: true, retryAfterMs: 2000 },
        action: 'retry',
        delayMs: 3000,
        nextAttemptAtMs: 3250,
      },
      {
        attempt: 3,
        code: 'RETRY_ATTEMPT_TIMEOUT',
        decision: { kind: 'retry', reason: 'attempt-timeout' },
        action: 'retry',
        delayMs: 1000,
        nextAttemptAtMs: 4250,
      },
      {
        // The 429's wait was set by the server, so it does not count: this is only the third paced-by-us failure.
        attempt: 4,
        status: 503,
        code: 'ServerBusy',
        decision: { kind: 'retry', reason: 'service-unavailable', unprocessed: true },
        action: 'retry',
        delayMs: 2000,
        nextAttemptAtMs: 6250,
      },
      {
        attempt: 5,
        status: 500,
        decision: { kind: 'retry', reason: 'server-error' },
        action: 'give-up',
        giveUpReason: 'attempts-exhausted',
      },
    ]);
  });

  it("counts retries at the server's pace against maxServerPacedRetries, not maxAttempts", () => {
    const throttled = httpError(429, 'TooManyRequests', { 'retry-after': '1' });
    const plan = planRetries(
      Array.from({ length: 8 }, () => throttled),
      { maxAttempts: 2, maxServerPacedRetries: 5 },
    );
    assert.deepEqual(
      plan.map((p) => p.giveUpReason ?? p.action),
      ['retry', 'retry', 'retry', 'retry', 'retry', 'attempts-exhausted'],
    );
    const mixed = planRetries([throttled, httpError(500), httpError(500)], { maxAttempts: 2 });
    assert.deepEqual(
      mixed.map((p) => p.giveUpReason ?? p.action),
      ['retry', 'retry', 'attempts-exhausted'],
      'a backoff retry still counts: 2 attempts of our own pacing',
    );
  });

  it('reports a fatal error, a deadline and a budget stop', () => {
    assert.equal(planRetries([httpError(404)])[0]!.giveUpReason, 'non-retryable');
    const slow = httpError(503, undefined, { 'retry-after': '100' });
    assert.equal(planRetries([slow], { deadlineMs: 30_000 })[0]!.giveUpReason, 'deadline');
    const plan = planRetries([httpError(500), httpError(500)], { budget: { capacity: 1, ratio: 0 } });
    assert.deepEqual(
      plan.map((p) => p.giveUpReason ?? p.action),
      ['retry', 'budget-empty'],
    );
  });

  it('policy.plan() uses the policy budget without spending it', () => {
    const policy = new RetryPolicy({ budget: { capacity: 1, ratio: 0, refillPerSecond: 0 } });
    const errors = [httpError(500), httpError(500)];
    assert.equal(policy.plan(errors).at(-1)!.giveUpReason, 'budget-empty');
    assert.equal(policy.budget.available(), 1);
    assert.equal(policy.plan(errors, { maxAttempts: 1 }).at(-1)!.giveUpReason, 'attempts-exhausted');
  });

  it('matches real execution exactly for the same seed', async () => {
    const errors = [
      httpError(500),
      fetchError('ETIMEDOUT'),
      httpError(503, undefined, { 'retry-after': '1' }),
      httpError(429),
      httpError(502),
    ];
    const options = { maxAttempts: 6, jitter: 'decorrelated' as const, budget: false as const };
    const plan = planRetries(errors, { ...options, random: seededRandom(99) });

    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ ...options, clock, random: seededRandom(99) });
    const delays: number[] = [];
    const outcome = settle(
      policy.execute(scripted(errors, 'ok').fn, { onRetry: (e: RetryEvent) => delays.push(e.delayMs) }),
    );
    await clock.runAll();
    assert.ok((await outcome).ok);
    assert.deepEqual(
      plan.map((p) => p.delayMs),
      delays,
    );
    assert.equal(plan.at(-1)!.nextAttemptAtMs, clock.now());
  });
});
