import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_RETRY_OPTIONS,
  FakeClock,
  RetryConfigError,
  RetryPolicy,
  applyCallOptions,
  isRetryConfigError,
  resolveRetryOptions,
  type RetryError,
  type RetryOptions,
} from '../src/index.js';
import { failed, httpError, scripted, settle } from './helpers.js';

describe('DEFAULT_RETRY_OPTIONS', () => {
  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(DEFAULT_RETRY_OPTIONS));
    assert.ok(Object.isFrozen(DEFAULT_RETRY_OPTIONS.budget));
  });

  it('holds safe values: finite attempts, jitter on, seconds for throttling, a deadline, a budget', () => {
    const d = DEFAULT_RETRY_OPTIONS;
    assert.equal(d.maxAttempts, 10);
    assert.equal(d.neverArrivedMaxDelayMs, 2000);
    assert.equal(d.jitter, 'full');
    assert.equal(d.baseDelayMs, 500);
    assert.equal(d.maxDelayMs, 30_000);
    assert.ok(d.throttleBaseDelayMs >= 1000);
    assert.equal(d.respectRetryAfter, true);
    assert.equal(d.retryAfterJitter, 1);
    assert.equal(d.maxRetryAfterMs, 60_000);
    assert.equal(d.deadlineMs, 120_000);
    assert.equal(d.attemptTimeoutMs, Number.POSITIVE_INFINITY);
    assert.deepEqual(d.budget, {
      ratio: 0.1,
      capacity: 10,
      refillPerSecond: 0.1,
      retryAfterCost: 0,
      k: 2,
      windowMs: 120_000,
    });
  });

  it('is what an empty options object resolves to', () => {
    const resolved = resolveRetryOptions();
    for (const [key, value] of Object.entries(DEFAULT_RETRY_OPTIONS)) {
      assert.deepEqual(resolved[key as keyof typeof resolved], value, key);
    }
  });
});

describe('validation', () => {
  const bad: Array<[RetryOptions, string]> = [
    [{ baseDelayMs: -1 }, 'baseDelayMs'],
    [{ baseDelayMs: Number.NaN }, 'baseDelayMs'],
    [{ throttleBaseDelayMs: Number.POSITIVE_INFINITY }, 'throttleBaseDelayMs'],
    [{ maxDelayMs: -5 }, 'maxDelayMs'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ maxAttempts: 2.5 }, 'maxAttempts'],
    [{ deadlineMs: 0 }, 'deadlineMs'],
    [{ attemptTimeoutMs: -1 }, 'attemptTimeoutMs'],
    [{ retryAfterJitter: -0.5 }, 'retryAfterJitter'],
    [{ maxRetryAfterMs: -1 }, 'maxRetryAfterMs'],
    [{ jitter: 'equal' as never }, 'jitter'],
    [{ gateKey: '' }, 'gateKey'],
    [{ idempotent: 'yes' as never }, 'idempotent'],
    [{ budget: { ratio: -0.1 } }, 'budget.ratio'],
    [{ budget: { capacity: Number.NaN } }, 'budget.capacity'],
    [{ budget: { bogus: 1 } as never }, 'budget.bogus'],
    [{ budget: 'on' as never }, 'budget'],
    [{ classify: 'default' as never }, 'classify'],
    [{ maxRetries: 3 } as never, 'maxRetries'],
  ];
  for (const [options, option] of bad) {
    it(`rejects ${JSON.stringify(options) ?? option}`, () => {
      assert.throws(
        () => new RetryPolicy(options),
        (error: unknown) =>
          isRetryConfigError(error) && error.option === option && error instanceof RetryConfigError,
      );
    });
  }

  it('accepts Infinity where it means "no limit", and treats undefined as not given', () => {
    const resolved = resolveRetryOptions({
      maxAttempts: Number.POSITIVE_INFINITY,
      deadlineMs: Number.POSITIVE_INFINITY,
      maxDelayMs: Number.POSITIVE_INFINITY,
      baseDelayMs: undefined,
    });
    assert.equal(resolved.maxAttempts, Number.POSITIVE_INFINITY);
    assert.equal(resolved.baseDelayMs, 500);
  });

  it('tells apart policy-only options passed per call', () => {
    const base = resolveRetryOptions();
    assert.throws(
      () => applyCallOptions(base, { budget: false } as never),
      /budget: can only be set on the policy/,
    );
    assert.throws(() => applyCallOptions(base, { maxAttempts: -1 }), RetryConfigError);
  });

  it('makes execute() reject, not throw, on invalid overrides', async () => {
    const policy = new RetryPolicy();
    const pending = policy.execute(() => Promise.resolve(1), { deadlineMs: -1 });
    await assert.rejects(pending, { name: 'RetryConfigError', option: 'deadlineMs' });
  });
});

describe('per-call overrides', () => {
  it('change attempts and classification for one call only', async () => {
    const clock = new FakeClock();
    const policy = new RetryPolicy({ clock, budget: false });
    const once = scripted([httpError(500), httpError(500)], 'ok');
    const error = failed(await settle(policy.execute(once.fn, { maxAttempts: 1 }))) as RetryError;
    assert.equal(error.reason, 'attempts-exhausted');
    assert.equal(once.calls, 1);

    const conflict = scripted([httpError(409, 'OperationInProgress')], 'ok');
    const classify = (e: unknown) =>
      (e as { code?: string }).code === 'OperationInProgress'
        ? { kind: 'retry' as const, reason: 'busy' }
        : undefined;
    const outcome = settle(policy.execute(conflict.fn, { classify }));
    await clock.runAll();
    assert.deepEqual(await outcome, { ok: true, value: 'ok' });
    assert.equal(policy.options.maxAttempts, 10);
  });

  it("put the call's classifier before the policy's", () => {
    const policyClassifier = () => ({ kind: 'fatal' as const, reason: 'policy' });
    const callClassifier = () => ({ kind: 'fatal' as const, reason: 'call' });
    const base = resolveRetryOptions({ classify: policyClassifier });
    assert.deepEqual(applyCallOptions(base, { classify: callClassifier }).classifiers, [
      callClassifier,
      policyClassifier,
    ]);
  });
});
