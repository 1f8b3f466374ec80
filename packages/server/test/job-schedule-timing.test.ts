/** Job schedule due times (pure): first run, recurrence, doNotRunAfter, start windows and skipped runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  currentDue,
  effectiveWindow,
  firstDue,
  followingDue,
  timingOf,
} from '../src/services/job-schedule-timing.js';

const T = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('job schedule timing', () => {
  it('reads the schedule: instants in any ISO form, durations in ms, unlimited as absent', () => {
    assert.deepEqual(
      timingOf({
        doNotRunUntil: '2026-01-01T01:00:00+01:00',
        doNotRunAfter: iso(T + MINUTE),
        startWindow: 'PT2M',
        recurrenceInterval: 'P10675199DT2H48M5.4775807S',
      }),
      { untilMs: T, afterMs: T + MINUTE, windowMs: 2 * MINUTE },
    );
    assert.deepEqual(timingOf(undefined), {});
  });

  it('first run at doNotRunUntil, or now when absent or past; none after doNotRunAfter', () => {
    assert.equal(firstDue({}, T), T);
    assert.equal(firstDue({ untilMs: T + MINUTE }, T), T + MINUTE);
    assert.equal(firstDue({ untilMs: T - MINUTE }, T), T);
    assert.equal(firstDue({ untilMs: T + 2 * MINUTE, afterMs: T + MINUTE }, T), undefined);
  });

  it('recurs every interval from the previous due time, up to doNotRunAfter', () => {
    assert.equal(followingDue({}, T), undefined, 'no recurrence: one job');
    assert.equal(followingDue({ intervalMs: 5 * MINUTE }, T), T + 5 * MINUTE);
    assert.equal(followingDue({ intervalMs: 5 * MINUTE, afterMs: T + 4 * MINUTE }, T), undefined);
  });

  it('the start window is at most the interval', () => {
    assert.equal(effectiveWindow({}), Infinity);
    assert.equal(effectiveWindow({ windowMs: MINUTE }), MINUTE);
    assert.equal(effectiveWindow({ windowMs: 10 * MINUTE, intervalMs: 5 * MINUTE }), 5 * MINUTE);
  });

  it('keeps a due run while its window is open and skips to the next open one after', () => {
    const timing = { intervalMs: 10 * MINUTE, windowMs: MINUTE };
    assert.equal(currentDue(timing, T, T + 30_000), T);
    assert.equal(currentDue(timing, T, T + MINUTE), T + 10 * MINUTE);
    assert.equal(currentDue(timing, T, T + 10 * MINUTE + 30_000), T + 10 * MINUTE);
    assert.equal(
      currentDue(timing, T, T + 365 * 24 * 60 * MINUTE + 5 * MINUTE),
      T + 365 * 24 * 60 * MINUTE + 10 * MINUTE,
    );
    assert.equal(currentDue({ windowMs: MINUTE }, T, T + 2 * MINUTE), undefined, 'a single run missed');
    assert.equal(currentDue({}, T, T + 1_000 * MINUTE), T, 'no window: the single run waits');
    assert.equal(currentDue({ intervalMs: MINUTE, afterMs: T + 90_000 }, T, T + 2 * MINUTE), undefined);
  });
});
