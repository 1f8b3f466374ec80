import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  FakeClock,
  RetryPolicy,
  fixedRandom,
  retry,
  type RetryError,
  type RetryOptions,
} from '../src/index.js';
import { failed, fetchError, hanging, scripted, settle } from './helpers.js';

function setup(options: RetryOptions = {}) {
  const clock = new FakeClock(0);
  const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), budget: false, ...options });
  return { clock, policy };
}

/** Lets queued callbacks run without moving the fake clock. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('caller abort', () => {
  it('an already-aborted signal means no attempt at all', async () => {
    const { policy } = setup({ budget: { capacity: 5, refillPerSecond: 0 } });
    policy.budget.tryWithdraw();
    const reason = new Error('shutting down');
    const op = scripted([], 'never');
    const error = failed(
      await settle(policy.execute(op.fn, { signal: AbortSignal.abort(reason) })),
    ) as RetryError;
    assert.equal(op.calls, 0);
    assert.equal(error.reason, 'aborted');
    assert.equal(error.attempts, 0);
    assert.equal(error.cause, reason);
    assert.equal(error.message, 'gave up before the first attempt (aborted: aborted by the caller)');
    assert.equal(policy.budget.available(), 4); // a call never made deposits nothing
  });

  it('an abort during the backoff wait settles at once and fn is not called again', async () => {
    const { clock, policy } = setup();
    const controller = new AbortController();
    const first = fetchError('ECONNRESET');
    const op = scripted([first, fetchError('ECONNRESET')], 'never');
    let settled = false;
    const outcome = settle(policy.execute(op.fn, { signal: controller.signal })).finally(
      () => (settled = true),
    );
    await turn(); // the first attempt failed; the engine is now in its 250 ms backoff
    assert.equal(op.calls, 1);
    assert.equal(clock.nextWakeAt(), 250);
    controller.abort(new Error('user cancelled'));
    await turn(); // no clock movement: the wait must not be waited out
    assert.equal(settled, true);
    assert.equal(clock.now(), 0);
    const error = failed(await outcome) as RetryError;
    assert.equal(error.reason, 'aborted');
    assert.equal((error.cause as Error).message, 'user cancelled');
    assert.equal(error.lastError, first);
    assert.equal(error.history.length, 1);
    assert.match(
      error.message,
      /^gave up after 1 attempt \(aborted: aborted by the caller\): last error ECONNRESET$/,
    );
    await clock.runAll();
    assert.equal(op.calls, 1);
    assert.equal(clock.pendingSleeps, 0);
  });

  it('an abort during an attempt settles at once, even if the operation ignores its signal', async () => {
    for (const honourSignal of [true, false]) {
      const { clock, policy } = setup();
      const controller = new AbortController();
      const op = hanging(honourSignal);
      const outcome = settle(policy.execute(op.fn, { signal: controller.signal }));
      await turn();
      controller.abort();
      const error = failed(await outcome) as RetryError;
      assert.equal(error.reason, 'aborted');
      assert.equal((error.cause as Error).name, 'AbortError');
      assert.deepEqual(error.history[0]!.decision, { kind: 'fatal', reason: 'aborted' });
      await clock.runAll();
      assert.equal(op.calls, 1);
    }
  });

  it('passes an aborting signal to the operation', async () => {
    const { policy } = setup();
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const outcome = settle(
      policy.execute(
        (ctx) => {
          seen = ctx.signal;
          controller.abort();
          return Promise.resolve('late');
        },
        { signal: controller.signal },
      ),
    );
    assert.equal((failed(await outcome) as RetryError).reason, 'aborted');
    assert.equal(seen?.aborted, true);
  });

  it("a policy's signal and a call's signal both cancel the call", async () => {
    const policyController = new AbortController();
    const { clock, policy } = setup({ signal: policyController.signal });
    const op = hanging();
    const outcome = settle(policy.execute(op.fn, { signal: new AbortController().signal }));
    await turn();
    policyController.abort();
    assert.equal((failed(await outcome) as RetryError).reason, 'aborted');
    await clock.runAll();
  });

  it('refunds the budget token of a retry that was aborted before it was sent', async () => {
    const { clock, policy } = setup({ budget: { capacity: 2, ratio: 0, refillPerSecond: 0 } });
    const controller = new AbortController();
    const outcome = settle(
      policy.execute(scripted([fetchError('EPIPE')], 1).fn, { signal: controller.signal }),
    );
    await turn();
    assert.equal(policy.budget.available(), 1);
    controller.abort();
    await outcome;
    assert.equal(policy.budget.available(), 2);
    assert.equal(clock.pendingSleeps, 0);
  });
});

describe('per-attempt timeout', () => {
  it('aborts ctx.signal with an attempt timeout and retries', async () => {
    const { clock, policy } = setup({ attemptTimeoutMs: 100 });
    let calls = 0;
    const reasons: unknown[] = [];
    const outcome = settle(
      policy.execute(
        async (ctx) => {
          calls++;
          if (calls === 1) {
            await new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
            );
          }
          return 'second time lucky';
        },
        { onRetry: (e) => reasons.push(e.decision.reason) },
      ),
    );
    await clock.advance(99);
    assert.equal(calls, 1);
    await clock.advance(1); // timeout fires; backoff 250 ms starts
    assert.deepEqual(reasons, ['attempt-timeout']);
    await clock.advance(250);
    assert.deepEqual(await outcome, { ok: true, value: 'second time lucky' });
    assert.equal(calls, 2);
  });

  it('times out an operation that ignores its signal', async () => {
    const { clock, policy } = setup({ attemptTimeoutMs: 100, maxAttempts: 2 });
    const op = hanging(false);
    const outcome = settle(policy.execute(op.fn));
    await clock.runAll();
    const error = failed(await outcome) as RetryError;
    assert.equal(op.calls, 2);
    assert.equal(error.reason, 'attempts-exhausted');
    assert.deepEqual(
      error.history.map((r) => [r.startedAt, r.endedAt, r.decision.reason]),
      [
        [0, 100, 'attempt-timeout'],
        [350, 450, 'attempt-timeout'],
      ],
    );
    assert.equal((error.cause as Error).name, 'TimeoutError');
  });

  it('is not retried for a non-idempotent call (the request may have been applied)', async () => {
    const { clock, policy } = setup({ attemptTimeoutMs: 100, idempotent: false });
    const op = hanging();
    const outcome = settle(policy.execute(op.fn));
    await clock.runAll();
    assert.equal((failed(await outcome) as RetryError).reason, 'non-retryable');
    assert.equal(op.calls, 1);
  });
});

describe('retry() one-shot', () => {
  it('works with the real clock when nothing fails', async () => {
    assert.equal(await retry(() => Promise.resolve(42)), 42);
  });

  it('rejects with RetryConfigError on invalid options', async () => {
    await assert.rejects(
      retry(() => Promise.resolve(1), { baseDelayMs: -1 }),
      { name: 'RetryConfigError' },
    );
  });
});
