/**
 * Requests that never arrived (connection refused, DNS, connect timeout) ride through an outage until the
 * deadline, outside `maxAttempts` and the budget, and all calls to one host share one probe.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, HostGate, RetryPolicy, fixedRandom, type RetryError } from '../src/index.js';
import { failed, fetchError, httpError, settle } from './helpers.js';

/** A host that refuses connections until `upAt` (fake-clock time), then answers `ok`. */
function restartingHost(clock: FakeClock, upAt: number) {
  const host = {
    requests: 0,
    refused: 0,
    call: (): Promise<string> => {
      host.requests += 1;
      if (clock.now() < upAt) {
        host.refused += 1;
        return Promise.reject(fetchError('ECONNREFUSED'));
      }
      return Promise.resolve('ok');
    },
  };
  return host;
}

describe('never-arrived riding', () => {
  it('rides a 30 s refusal with the defaults: no attempt limit, no budget spent, capped waits', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(1 - 1e-9), budget: { capacity: 0 } });
    const host = restartingHost(clock, 30_000);
    const delays: number[] = [];
    const call = settle(policy.execute(host.call, { onRetry: (e) => void delays.push(e.delayMs) }));
    await clock.runAll();
    assert.deepEqual(await call, { ok: true, value: 'ok' });
    assert.ok(host.refused > 10, `${host.refused} refusals ridden (more than maxAttempts)`);
    assert.ok(Math.max(...delays) <= 2000, 'waits capped at neverArrivedMaxDelayMs');
    assert.ok(clock.now() - 30_000 <= 2000, 'found the server within one capped wait of its return');
    assert.equal(policy.budget.window().requests, 1, 'only the answered attempt is in the budget window');
  });

  it('gives up at the deadline with reason deadline, the refusal as last error, every attempt counted', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), deadlineMs: 10_000 });
    const host = restartingHost(clock, Number.POSITIVE_INFINITY);
    const outcome = settle(policy.execute(host.call));
    await clock.runAll();
    const error = failed(await outcome) as RetryError;
    assert.equal(error.reason, 'deadline');
    assert.equal(error.attempts, host.requests);
    assert.equal((error.lastError as TypeError).message, 'fetch failed');
    assert.ok(clock.now() <= 10_000);
  });

  it('a never-arrived retry does not count against maxAttempts; answered failures still do', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), maxAttempts: 2, budget: false });
    const errors = [fetchError('ECONNREFUSED'), fetchError('ECONNREFUSED'), httpError(500), httpError(500)];
    let n = 0;
    const outcome = settle(policy.execute(() => Promise.reject(errors[n++] ?? httpError(500))));
    await clock.runAll();
    const error = failed(await outcome) as RetryError;
    assert.equal(error.reason, 'attempts-exhausted');
    assert.equal(n, 4, '2 refusals + 2 answered attempts');
  });

  it('connect timeout and EAI_AGAIN ride too; a reset does not', () => {
    const policy = new RetryPolicy({ random: fixedRandom(0.5), maxAttempts: 1 });
    for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH']) {
      const plan = policy.plan([fetchError(code), fetchError(code), fetchError(code)]);
      assert.deepEqual(
        plan.map((s) => s.action),
        ['retry', 'retry', 'retry'],
        code,
      );
    }
    assert.equal(policy.plan([fetchError('ECONNRESET')])[0]?.giveUpReason, 'attempts-exhausted');
  });
});

describe('the shared probe', () => {
  it('while a host refuses, one call probes and the others wait, then are released spread out', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5) });
    const host = restartingHost(clock, 20_000);
    const calls = Array.from({ length: 50 }, () => settle(policy.execute(host.call)));
    await clock.runAll();
    const outcomes = await Promise.all(calls);
    assert.ok(outcomes.every((o) => o.ok));
    // Every call's first attempt went out before the first refusal came back; after that only the prober knocks,
    // at 0.25 s, 0.5 s, then every 1 s (random 0.5 of the 2 s cap): about 22 in 20 s, not 50 x 22.
    const probes = host.refused - 50;
    assert.ok(probes <= 25, `${probes} probes in 20 s (one caller at a time)`);
    assert.equal(host.requests - host.refused, 50, 'each call then succeeds once');
  });

  it('a call started while the host is probed waits at the gate, first attempt included', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock, random: fixedRandom(0) });
    const prober = {};
    assert.equal(gate.claimProbe('h', prober), true);
    assert.equal(gate.claimProbe('h', {}), false);
    assert.equal(gate.claimProbe('h', prober), true, 'the prober keeps its probe');
    let released = false;
    const waiter = gate.wait('h', { caller: {} }).then((open) => (released = open));
    assert.equal(await gate.wait('h', { caller: prober }), true, 'the prober passes');
    await clock.advance(60_000);
    assert.equal(released, false);
    gate.endProbe('h', {}); // not the owner: ignored
    assert.equal(gate.probing('h'), true);
    gate.endProbe('h', prober);
    await clock.runAll();
    await waiter;
    assert.equal(released, true);
    assert.equal(gate.probing('h'), false);
  });

  it('a waiter whose limit ends before the probe does gets false; an abort rejects at once', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock, random: fixedRandom(0) });
    gate.claimProbe('h', {});
    const limited = gate.wait('h', { caller: {}, maxWaitMs: 5000 });
    await clock.advance(5000);
    assert.equal(await limited, false);
    const controller = new AbortController();
    const aborted = settle(gate.wait('h', { caller: {}, signal: controller.signal }));
    controller.abort(new Error('stop'));
    const outcome = await aborted;
    assert.equal(outcome.ok, false);
  });

  it('the prober giving up hands the host over: waiters are released, not stranded', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5) });
    const host = restartingHost(clock, 15_000);
    const short = settle(policy.execute(host.call, { deadlineMs: 5000 }));
    await clock.advance(1);
    const long = settle(policy.execute(host.call));
    await clock.runAll();
    assert.equal((failed(await short) as RetryError).reason, 'deadline');
    assert.deepEqual(await long, { ok: true, value: 'ok' });
  });

  it('a probe attempt still running after neverArrivedMaxDelayMs releases the waiters (a long poll)', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5) });
    const upAt = 1000;
    const longPoll = (): Promise<string> =>
      clock.now() < upAt
        ? Promise.reject(fetchError('ECONNREFUSED'))
        : clock.sleep(20_000).then(() => 'polled');
    const poll = settle(policy.execute(longPoll));
    await clock.advance(1);
    const quick = settle(policy.execute(() => Promise.resolve('quick')));
    await clock.advance(6_000);
    assert.deepEqual(await quick, { ok: true, value: 'quick' });
    await clock.runAll();
    assert.deepEqual(await poll, { ok: true, value: 'polled' });
  });
});
