import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, RetryPolicy, fixedRandom, type GiveUpEvent, type RetryEvent } from '../src/index.js';
import { fetchError, httpError, scripted, settle } from './helpers.js';

describe('hooks', () => {
  it('onRetry runs before the sleep, with OpenTelemetry-style attributes', async () => {
    const clock = new FakeClock(0);
    const events: Array<{ event: RetryEvent; at: number; pending: number }> = [];
    const policy = new RetryPolicy({
      clock,
      random: fixedRandom(0.5),
      budget: false,
      onRetry: (event) => events.push({ event, at: clock.now(), pending: clock.pendingSleeps }),
    });
    const reset = fetchError('ECONNRESET');
    const op = scripted([reset, httpError(429, 'TooManyRequests', { 'retry-after': '2' })], 'ok');
    const outcome = settle(policy.execute(op.fn));
    await clock.runAll();
    assert.ok((await outcome).ok);
    // Called at the failure time, before the retry's sleep was registered.
    assert.deepEqual(
      events.map((e) => [e.at, e.pending]),
      [
        [0, 0],
        [250, 0],
      ],
    );
    const [first, second] = events.map((e) => e.event);
    assert.equal(first!.error, reset);
    assert.equal(first!.delayMs, 250);
    assert.deepEqual(first!.attributes, {
      'http.request.resend_count': 1,
      'retry.attempt': 1,
      'retry.decision': 'retry',
      'retry.reason': 'connection-reset',
      'retry.delay_ms': 250,
      'error.type': 'ECONNRESET',
    });
    assert.equal(second!.attempt, 2);
    assert.equal(second!.attributes['http.request.resend_count'], 2);
    assert.equal(second!.attributes['retry.reason'], 'too-many-requests');
    assert.equal(second!.attributes['retry.decision'], 'throttled');
    assert.equal(second!.delayMs, 3000);
  });

  it('onGiveUp runs once with the reason, history and attributes', async () => {
    const clock = new FakeClock(0);
    const events: GiveUpEvent[] = [];
    const policy = new RetryPolicy({ clock, random: fixedRandom(0), budget: false, maxAttempts: 2 });
    const outcome = settle(
      policy.execute(scripted([httpError(500), httpError(502)], 1).fn, { onGiveUp: (e) => events.push(e) }),
    );
    await clock.runAll();
    assert.equal((await outcome).ok, false);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.reason, 'attempts-exhausted');
    assert.equal(events[0]!.history.length, 2);
    assert.deepEqual(events[0]!.attributes, {
      'retry.give_up_reason': 'attempts-exhausted',
      'retry.attempts': 2,
      'http.request.resend_count': 1,
      'error.type': '502',
      'retry.reason': 'server-error',
    });
  });

  it("call hooks run after the policy's, and a throwing or rejecting hook changes nothing", async () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    const policy = new RetryPolicy({
      clock,
      budget: false,
      onRetry: () => {
        order.push('policy');
        throw new Error('broken telemetry');
      },
    });
    const outcome = settle(
      policy.execute(scripted([httpError(500)], 'ok').fn, {
        onRetry: () => {
          order.push('call');
          return Promise.reject(new Error('async broken')) as unknown as void;
        },
      }),
    );
    await clock.runAll();
    assert.deepEqual(await outcome, { ok: true, value: 'ok' });
    assert.deepEqual(order, ['policy', 'call']);
  });
});
