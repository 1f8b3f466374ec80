import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FakeClock, fixedRandom, seededRandom, systemClock } from '../src/index.js';
import { failed, settle } from './helpers.js';

describe('systemClock', () => {
  it('sleep(0) resolves at once; an aborted signal rejects with its reason', async () => {
    await systemClock.sleep(0);
    const reason = new Error('stop');
    assert.equal(failed(await settle(systemClock.sleep(10, AbortSignal.abort(reason)))), reason);
  });

  it('clears its timer when aborted, so nothing keeps the process alive', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const sleeping = settle(systemClock.sleep(20_000, controller.signal));
    assert.equal(timers(), before + 1);
    controller.abort();
    assert.equal((failed(await sleeping) as Error).name, 'AbortError');
    assert.equal(timers(), before);
  });

  it('resolves a short sleep', async () => {
    const start = systemClock.now();
    await systemClock.sleep(5);
    assert.ok(systemClock.now() - start >= 4);
  });
});

describe('FakeClock', () => {
  it('resolves sleeps in time order as time advances', async () => {
    const clock = new FakeClock(100);
    const woke: string[] = [];
    void clock.sleep(50).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(20).then(() => woke.push(`a@${clock.now()}`));
    await clock.advance(30);
    assert.deepEqual(woke, ['a@120']);
    assert.equal(clock.now(), 130);
    await clock.advance(30);
    assert.deepEqual(woke, ['a@120', 'b@150']);
    assert.equal(clock.now(), 160);
    assert.deepEqual(clock.sleepLog, [50, 20]);
  });

  it('wakes sleeps scheduled by earlier wake-ups within the same advance', async () => {
    const clock = new FakeClock(0);
    const woke: number[] = [];
    void clock.sleep(10).then(async () => {
      woke.push(clock.now());
      await clock.sleep(10);
      woke.push(clock.now());
    });
    await clock.advance(25);
    assert.deepEqual(woke, [10, 20]);
  });

  it('rejects an aborted sleep synchronously and forgets it', async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    let rejected = false;
    const sleeping = clock.sleep(1000, controller.signal).catch(() => (rejected = true));
    assert.equal(clock.pendingSleeps, 1);
    controller.abort();
    assert.equal(clock.pendingSleeps, 0);
    await sleeping;
    assert.equal(rejected, true);
    assert.equal(clock.now(), 0);
  });

  it('runAll() runs until nothing sleeps; sleeping() waits for sleepers', async () => {
    const clock = new FakeClock(0);
    const ready = clock.sleeping(2);
    void clock.sleep(5);
    void clock.sleep(500);
    await ready;
    assert.equal(clock.nextWakeAt(), 5);
    await clock.runAll();
    assert.equal(clock.now(), 500);
    assert.equal(clock.nextWakeAt(), undefined);
  });
});

describe('random sources', () => {
  it('seededRandom repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const draws = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      draws.slice(0, 5),
      Array.from({ length: 5 }, () => b()),
    );
    assert.ok(draws.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(seededRandom(2)(), draws[0]);
  });

  it('fixedRandom cycles and rejects values outside [0, 1)', () => {
    const r = fixedRandom(0.1, 0.2);
    assert.deepEqual([r(), r(), r()], [0.1, 0.2, 0.1]);
    assert.throws(() => fixedRandom(1));
  });
});
