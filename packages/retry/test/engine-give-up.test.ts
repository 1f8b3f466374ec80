import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  FakeClock,
  RetryPolicy,
  fixedRandom,
  isRetryError,
  type RetryError,
  type RetryOptions,
} from '../src/index.js';
import { failed, fetchError, hanging, httpError, scripted, settle } from './helpers.js';

function setup(options: RetryOptions = {}) {
  const clock = new FakeClock(0);
  const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), budget: false, ...options });
  return { clock, policy };
}

async function giveUp(options: RetryOptions, errors: unknown[]) {
  const { clock, policy } = setup(options);
  const op = scripted(errors, 'never');
  const outcome = settle(policy.execute(op.fn));
  await clock.runAll();
  const error = failed(await outcome);
  assert.ok(isRetryError(error), `expected a RetryError, got ${String(error)}`);
  return { error, op, clock, policy };
}

describe('give-up reasons', () => {
  it('attempts-exhausted: maxAttempts attempts, cause = last error, full history', async () => {
    const last = httpError(503, 'ServerBusy');
    const { error, op } = await giveUp({ maxAttempts: 4 }, [
      httpError(500),
      fetchError('ECONNRESET'),
      httpError(502),
      last,
    ]);
    assert.equal(op.calls, 4);
    assert.equal(error.reason, 'attempts-exhausted');
    assert.equal(error.attempts, 4);
    assert.equal(error.cause, last);
    assert.equal(error.lastError, last);
    assert.equal(
      error.message,
      'gave up after 4 attempts (attempts-exhausted: no attempts left): last error 503 ServerBusy',
    );
    assert.deepEqual(
      error.history.map((r) => [r.attempt, r.status, r.code, r.decision.reason, r.delayMs]),
      [
        [1, 500, undefined, 'server-error', 250],
        [2, undefined, 'ECONNRESET', 'connection-reset', 500],
        [3, 502, undefined, 'server-error', 1000],
        [4, 503, 'ServerBusy', 'service-unavailable', undefined],
      ],
    );
    assert.equal(error.elapsedMs, 1750);
  });

  it('non-retryable at the first attempt: a RetryError too, with the original error as cause, no wait', async () => {
    const notFound = httpError(404, 'JobNotFound');
    const { error, op, clock } = await giveUp({}, [notFound]);
    assert.equal(op.calls, 1);
    assert.equal(clock.now(), 0);
    assert.equal(error.reason, 'non-retryable');
    assert.equal(error.attempts, 1);
    assert.equal(error.cause, notFound);
    assert.match(
      error.message,
      /^gave up after 1 attempt \(non-retryable: not retryable \(client-error\)\): last error 404 JobNotFound$/,
    );
    assert.deepEqual(error.history[0]!.decision, { kind: 'fatal', reason: 'client-error' });
  });

  it('non-retryable later in the call keeps the earlier attempts in the history', async () => {
    const { error } = await giveUp({}, [httpError(503), httpError(409, 'JobExists')]);
    assert.equal(error.reason, 'non-retryable');
    assert.deepEqual(
      error.history.map((r) => r.decision.kind),
      ['retry', 'fatal'],
    );
  });

  it('idempotent: false gives up on an outcome that may have been applied…', async () => {
    const { error, op } = await giveUp({ idempotent: false }, [fetchError('ECONNRESET')]);
    assert.equal(op.calls, 1);
    assert.equal(error.reason, 'non-retryable');
    assert.match(error.message, /connection-reset may have been applied, and the call is not idempotent/);
  });

  it('…but still retries failures that certainly had no effect', async () => {
    const { clock, policy } = setup({ idempotent: false });
    const op = scripted([fetchError('ECONNREFUSED'), httpError(429), httpError(503)], 'created');
    const outcome = settle(policy.execute(op.fn));
    await clock.runAll();
    assert.deepEqual(await outcome, { ok: true, value: 'created' });
  });

  it('deadline: a retry whose wait would end past the deadline is not made, and nothing sleeps', async () => {
    const { clock, policy } = setup({ deadlineMs: 5000 });
    const op = scripted([httpError(429, 'TooManyRequests', { 'retry-after': '10' })], 'never');
    const outcome = settle(policy.execute(op.fn));
    await clock.advance(0);
    const error = failed(await outcome) as RetryError;
    assert.equal(clock.now(), 0);
    assert.equal(clock.pendingSleeps, 0);
    assert.equal(op.calls, 1);
    assert.equal(error.reason, 'deadline');
    assert.match(error.message, /\(deadline: waiting 15000 ms would pass the deadline \(5000 ms left\)\)/);
    assert.equal(error.history[0]!.delayMs, undefined);
  });

  it('deadline: an attempt still running when the deadline passes is aborted', async () => {
    const { clock, policy } = setup({ deadlineMs: 1000 });
    const op = hanging();
    const outcome = settle(policy.execute(op.fn));
    await clock.advance(999);
    assert.equal(op.calls, 1);
    await clock.advance(1);
    const error = failed(await outcome) as RetryError;
    assert.equal(error.reason, 'deadline');
    assert.equal(error.attempts, 1);
    assert.equal((error.cause as Error).name, 'TimeoutError');
    assert.deepEqual(error.history[0]!.decision, { kind: 'fatal', reason: 'deadline' });
  });

  it('budget-empty: gives up at once, without sleeping', async () => {
    const { clock, policy } = setup({ budget: { capacity: 1, ratio: 0, refillPerSecond: 0 } });
    const op = scripted([httpError(500), httpError(500), httpError(500)], 'never');
    const outcome = settle(policy.execute(op.fn));
    await clock.advance(250);
    const error = failed(await outcome) as RetryError;
    assert.equal(op.calls, 2);
    assert.equal(clock.pendingSleeps, 0);
    assert.equal(error.reason, 'budget-empty');
    assert.equal(error.attempts, 2);
    assert.equal(error.history[1]!.endedAt, 250);
    assert.equal(error.elapsedMs, 250);
  });

  it('aborted: see engine-abort.test.ts; here the onGiveUp event for every other reason', async () => {
    const reasons: string[] = [];
    const onGiveUp = (e: { reason: string }): number => reasons.push(e.reason);
    await giveUp({ onGiveUp, maxAttempts: 1 }, [httpError(500)]);
    await giveUp({ onGiveUp }, [httpError(400)]);
    await giveUp({ onGiveUp, deadlineMs: 10 }, [httpError(503, undefined, { 'retry-after': '1' })]);
    await giveUp({ onGiveUp, budget: { capacity: 0 } }, [httpError(500)]);
    assert.deepEqual(reasons, ['attempts-exhausted', 'non-retryable', 'deadline', 'budget-empty']);
  });
});
