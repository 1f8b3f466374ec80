import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkSignal } from '../src/services/work-signal.js';

describe('WorkSignal', () => {
  it('counts signals, so a check that raced a signal can tell before it waits', () => {
    let published = 0;
    const work = new WorkSignal(() => published++);
    const before = work.generation;
    work.notify(); // e.g. a completion while a claim round's transaction was running
    assert.notEqual(work.generation, before, 'the round sees that it must look again instead of waiting');
    const afterLocal = work.generation;
    work.wakeLocal(); // a notification from another server
    assert.equal(work.generation, afterLocal + 1);
    assert.equal(published, 1, 'only notify() tells the other servers');
  });

  it('wakes the waiters registered before a signal', async () => {
    const work = new WorkSignal();
    const woken = work.wait(new Promise(() => undefined));
    work.notify();
    await woken;
  });
});
