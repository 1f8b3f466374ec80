import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  FakeClock,
  HostGate,
  RetryPolicy,
  fixedRandom,
  type AttemptContext,
  type RetryError,
} from '../src/index.js';
import { failed, fetchError, httpError, settle } from './helpers.js';

describe('HostGate', () => {
  it('closes until a time, never shortens, and reopens by itself', async () => {
    const clock = new FakeClock(1000);
    const gate = new HostGate({ clock, random: fixedRandom(0) });
    assert.equal(gate.openAt('h'), undefined);
    gate.close('h', 5000);
    gate.close('h', 3000); // earlier: ignored
    assert.equal(gate.openAt('h'), 5000);
    assert.equal(gate.remainingMs('h'), 4000);
    assert.equal(gate.openAt('other'), undefined);
    await clock.advance(4000);
    assert.equal(gate.openAt('h'), undefined);
    assert.equal(gate.remainingMs('h'), 0);
  });

  it('wait() releases at the opening time plus a spread drawn per waiter', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock, random: fixedRandom(0.25, 0.75) });
    gate.close('h', 1000, 400);
    const released: number[] = [];
    const a = gate.wait('h').then(() => released.push(clock.now()));
    const b = gate.wait('h').then(() => released.push(clock.now()));
    await clock.runAll();
    await Promise.all([a, b]);
    assert.deepEqual(released, [1100, 1300]);
  });

  it('wait() waits out a closure extended while waiting', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock, random: fixedRandom(0) });
    gate.close('h', 1000);
    const done = gate.wait('h').then(() => clock.now());
    await clock.advance(500);
    gate.close('h', 3000);
    await clock.runAll();
    assert.equal(await done, 3000);
  });

  it('wait() returns false at once when the gate would not open within maxWaitMs', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock, random: fixedRandom(0.9) });
    gate.close('h', 1000, 1000);
    assert.equal(await gate.wait('h', { maxWaitMs: 1000 }), false);
    assert.equal(clock.pendingSleeps, 0);
    // Opens inside the limit: the spread is trimmed to fit.
    const open = gate.wait('h', { maxWaitMs: 1200 });
    await clock.runAll();
    assert.equal(await open, true);
    assert.equal(clock.now(), 1199);
  });

  it('wait() is abortable', async () => {
    const clock = new FakeClock(0);
    const gate = new HostGate({ clock });
    gate.close('h', 10_000);
    const controller = new AbortController();
    const waiting = settle(gate.wait('h', { signal: controller.signal }));
    await clock.advance(10);
    controller.abort(new Error('stop'));
    assert.equal((failed(await waiting) as Error).message, 'stop');
    assert.equal(clock.pendingSleeps, 0);
  });
});

describe('shared host gate across calls of one policy', () => {
  it("after one call gets 429 + Retry-After, another call's next attempt waits until the gate opens", async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0.5), budget: false });
    const callsB: number[] = [];
    const b = settle(
      policy.execute((ctx: AttemptContext) => {
        callsB.push(clock.now());
        return ctx.attempt === 1 ? Promise.reject(fetchError('ECONNRESET')) : Promise.resolve('b');
      }),
    );
    await clock.advance(100); // B failed at 0 and backs off 250 ms
    const a = settle(
      policy.execute((ctx) =>
        ctx.attempt === 1
          ? Promise.reject(httpError(429, 'TooManyRequests', { 'retry-after': '10' }))
          : Promise.resolve('a'),
      ),
    );
    await clock.advance(0);
    assert.equal(policy.gate.openAt('default'), 10_100);
    await clock.advance(9_900); // t = 10 000: B's backoff ended long ago, but the gate is closed
    assert.deepEqual(callsB, [0]);
    await clock.runAll();
    assert.deepEqual(await b, { ok: true, value: 'b' });
    assert.deepEqual(await a, { ok: true, value: 'a' });
    // Gate opens at 10 100; B is released at a point of the spread [10 100, 20 100] (random 0.5).
    assert.deepEqual(callsB, [0, 15_100]);
  });

  it('first attempts of other calls wait too, and record the wait', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0), budget: false });
    policy.gate.close('default', 2000);
    const times: number[] = [];
    const result = await Promise.all([
      settle(policy.execute(() => Promise.resolve(times.push(clock.now())))),
      clock.runAll(),
    ]);
    assert.ok(result[0].ok);
    assert.deepEqual(times, [2000]);
  });

  it('calls with another gateKey are not held', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, budget: false });
    policy.gate.close('host-a', 60_000);
    const value = await policy.execute(() => Promise.resolve('free'), { gateKey: 'host-b' });
    assert.equal(value, 'free');
    assert.equal(clock.now(), 0);
  });

  it('gives up with deadline, without waiting, when the gate stays closed past the deadline', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, budget: false, deadlineMs: 5000 });
    policy.gate.close('default', 30_000);
    let calls = 0;
    const outcome = await settle(policy.execute(() => Promise.resolve(calls++)));
    const error = failed(outcome) as RetryError;
    assert.equal(error.reason, 'deadline');
    assert.equal(error.attempts, 0);
    assert.equal(calls, 0);
    assert.equal(clock.now(), 0);
    assert.match(error.message, /host gate 'default' stays closed past the deadline/);
  });

  it('records gateWaitMs on the attempt that waited', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0), budget: false, maxAttempts: 1 });
    policy.gate.close('default', 700);
    const outcome = settle(policy.execute(() => Promise.reject(httpError(500))));
    await clock.runAll();
    const error = failed(await outcome) as RetryError;
    assert.equal(error.history[0]!.gateWaitMs, 700);
    assert.equal(error.history[0]!.startedAt, 700);
  });

  it('hostGate: false neither closes nor waits', async () => {
    const clock = new FakeClock(0);
    const policy = new RetryPolicy({ clock, random: fixedRandom(0), budget: false, hostGate: false });
    const outcome = settle(policy.execute(scripted429().fn));
    await clock.advance(0);
    assert.equal(policy.gate.openAt('default'), undefined);
    await clock.runAll();
    assert.ok((await outcome).ok);
  });
});

function scripted429() {
  let calls = 0;
  return {
    fn: (): Promise<string> =>
      calls++ === 0
        ? Promise.reject(httpError(429, undefined, { 'retry-after': '1' }))
        : Promise.resolve('ok'),
  };
}
