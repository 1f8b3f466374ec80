import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, RetryPolicy, fixedRandom, type RetryOptions } from '../src/index.js';
import { fetchError, httpError, scripted, settle } from './helpers.js';

function setup(options: RetryOptions = {}) {
  const clock = new FakeClock(0);
  const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), budget: false, ...options });
  return { clock, policy };
}

/** Runs the script to completion on the fake clock; returns the outcome and the time of each call. */
async function run(options: RetryOptions, errors: unknown[]) {
  const { clock, policy } = setup(options);
  const times: number[] = [];
  const op = scripted(errors, 'done');
  const outcome = settle(
    policy.execute((ctx) => {
      times.push(clock.now());
      return op.fn(ctx);
    }),
  );
  await clock.runAll();
  return { outcome: await outcome, times, op, clock };
}

describe('delays between attempts', () => {
  it('transient errors: full jitter over 500 ms · 2^n (random 0.5 → 250, 500, 1000)', async () => {
    const errors = [fetchError('ECONNRESET'), httpError(500), httpError(502)];
    const { outcome, times } = await run({}, errors);
    assert.deepEqual(outcome, { ok: true, value: 'done' });
    assert.deepEqual(times, [0, 250, 750, 1750]);
  });

  it('throttling without Retry-After uses the 1 s throttle base (500, 1000, 2000)', async () => {
    const { times } = await run({}, [httpError(429), httpError(429), httpError(429)]);
    assert.deepEqual(times, [0, 500, 1500, 3500]);
  });

  it("'none' gives the plain exponential sequence, capped by maxDelayMs", async () => {
    const errors = Array.from({ length: 5 }, () => httpError(500));
    const { times } = await run({ jitter: 'none', maxAttempts: 6, maxDelayMs: 4000 }, errors);
    assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11_500]); // 500, 1000, 2000, 4000, 4000
  });

  it("'decorrelated' draws from [base, 3·previous] (random 0.5 → 1000, 1750, 2875)", async () => {
    const errors = [httpError(500), httpError(500), httpError(500)];
    const { times } = await run({ jitter: 'decorrelated' }, errors);
    assert.deepEqual(times, [0, 1000, 2750, 5625]);
  });

  it('Retry-After is honoured and spread into [RA, 2·RA] (random 0.5 → 1.5·RA)', async () => {
    const errors = [httpError(429, 'TooManyRequests', { 'retry-after': '2' }), httpError(503, undefined, {})];
    const { times, outcome } = await run({}, errors);
    assert.ok(outcome.ok);
    assert.deepEqual(times, [0, 3000, 3500]); // then full jitter for retry 2: 0.5 · 1000
  });

  it('Retry-After on a retryable 5xx is honoured too, without closing the gate', async () => {
    const { clock, policy } = setup();
    const op = scripted([httpError(500, undefined, { 'retry-after-ms': '800' })], 'ok');
    const outcome = settle(policy.execute(op.fn));
    await clock.advance(0);
    assert.equal(policy.gate.openAt('default'), undefined);
    await clock.runAll();
    assert.ok((await outcome).ok);
    assert.equal(clock.now(), 1200);
  });

  it('Retry-After 0 retries at once', async () => {
    const { times } = await run({}, [httpError(503, undefined, { 'retry-after': '0' })]);
    assert.deepEqual(times, [0, 0]);
  });

  it('a Retry-After above maxRetryAfterMs is clamped to it', async () => {
    const { times } = await run({}, [httpError(429, undefined, { 'retry-after': '600' })]);
    assert.deepEqual(times, [0, 60_000]);
  });

  it('respectRetryAfter: false ignores the header and backs off', async () => {
    const { times, clock } = await run({ respectRetryAfter: false }, [
      httpError(429, undefined, { 'retry-after': '30' }),
    ]);
    assert.deepEqual(times, [0, 500]);
    assert.equal(clock.now(), 500);
  });

  it('retryAfterJitter: 0 waits exactly RA', async () => {
    const { times } = await run({ retryAfterJitter: 0 }, [httpError(503, undefined, { 'retry-after': '2' })]);
    assert.deepEqual(times, [0, 2000]);
  });
});

describe('attempt context', () => {
  it('numbers attempts, passes the history so far and the time left before the deadline', async () => {
    const { op } = await run({ deadlineMs: 10_000 }, [httpError(500), httpError(503)]);
    assert.deepEqual(
      op.contexts.map((c) => [c.attempt, c.history.length, c.remainingMs]),
      [
        [1, 0, 10_000],
        [2, 1, 9750],
        [3, 2, 9250],
      ],
    );
    assert.equal(op.contexts[2]!.history[1]!.status, 503);
  });

  it('leaves remainingMs out when there is no deadline', async () => {
    const { op } = await run({ deadlineMs: Number.POSITIVE_INFINITY }, []);
    assert.equal(op.contexts[0]!.remainingMs, undefined);
  });

  it('records status, code, decision, delay and times of every failed attempt', async () => {
    const errors = [httpError(503, 'ServerBusy', { 'retry-after': '1' }), fetchError('ECONNRESET')];
    const { op, clock, policy } = { ...setup(), op: scripted(errors, 1) };
    const seen: unknown[] = [];
    const outcome = settle(policy.execute(op.fn, { onRetry: (e) => seen.push(e.attempt) }));
    await clock.runAll();
    assert.ok((await outcome).ok);
    const history = op.contexts[2]!.history;
    assert.deepEqual(history, [
      {
        attempt: 1,
        startedAt: 0,
        endedAt: 0,
        status: 503,
        code: 'ServerBusy',
        decision: { kind: 'throttled', reason: 'server-busy', unprocessed: true, retryAfterMs: 1000 },
        delayMs: 1500,
      },
      {
        attempt: 2,
        startedAt: 1500,
        endedAt: 1500,
        code: 'ECONNRESET',
        decision: { kind: 'retry', reason: 'connection-reset' },
        delayMs: 500,
      },
    ]);
    assert.deepEqual(seen, [1, 2]);
  });
});
