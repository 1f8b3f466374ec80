/**
 * When a job schedule's jobs are due (Azure Batch `Schedule`): the first at `doNotRunUntil` (or at once), then
 * every `recurrenceInterval` after the previous due time, never after `doNotRunAfter`. A due job that cannot be
 * created within `startWindow` of its due time is skipped; with recurrence the window never reaches past the next
 * interval (a job due in one interval is not carried into the next), so the window is at most the interval.
 * Pure functions of the schedule and the injected time (ms).
 */
import { canonicalInstant, isUnlimitedDuration, parseDuration, type Schedule } from '@batchite/protocol';

export interface ScheduleTiming {
  untilMs?: number;
  afterMs?: number;
  windowMs?: number;
  intervalMs?: number;
}

function instantMs(text: string | undefined): number | undefined {
  const canonical = text === undefined ? undefined : canonicalInstant(text);
  return canonical === undefined ? undefined : Date.parse(canonical);
}

function durationMs(text: string | undefined): number | undefined {
  const ms = text === undefined ? undefined : parseDuration(text);
  return ms === undefined || isUnlimitedDuration(ms) ? undefined : ms;
}

export function timingOf(schedule: Schedule | undefined): ScheduleTiming {
  const timing: ScheduleTiming = {};
  const untilMs = instantMs(schedule?.doNotRunUntil);
  const afterMs = instantMs(schedule?.doNotRunAfter);
  const windowMs = durationMs(schedule?.startWindow);
  const intervalMs = durationMs(schedule?.recurrenceInterval);
  if (untilMs !== undefined) timing.untilMs = untilMs;
  if (afterMs !== undefined) timing.afterMs = afterMs;
  if (windowMs !== undefined) timing.windowMs = windowMs;
  if (intervalMs !== undefined) timing.intervalMs = intervalMs;
  return timing;
}

function withinLimit(timing: ScheduleTiming, due: number): number | undefined {
  return timing.afterMs !== undefined && due > timing.afterMs ? undefined : due;
}

/** The first due time of a schedule created (or given a new schedule) at `now`. */
export function firstDue(timing: ScheduleTiming, now: number): number | undefined {
  return withinLimit(timing, Math.max(timing.untilMs ?? now, now));
}

/** The due time after `due`; undefined when the schedule does not recur or the next one is too late. */
export function followingDue(timing: ScheduleTiming, due: number): number | undefined {
  return timing.intervalMs === undefined ? undefined : withinLimit(timing, due + timing.intervalMs);
}

/** How long after its due time a job may still be created (Infinity when unbounded). */
export function effectiveWindow(timing: ScheduleTiming): number {
  return Math.min(timing.windowMs ?? Infinity, timing.intervalMs ?? Infinity);
}

/**
 * The due time still worth waiting for at `now`: `due` itself while its window is open, else the next one
 * whose window is (skipping every run missed meanwhile), or undefined when none is left.
 */
export function currentDue(timing: ScheduleTiming, due: number | undefined, now: number): number | undefined {
  if (timing.afterMs !== undefined && now > timing.afterMs) return undefined;
  let current = due;
  const window = effectiveWindow(timing);
  while (current !== undefined && current + window <= now) {
    if (timing.intervalMs === undefined) return undefined;
    // Jump straight to the interval that contains `now` (a server down for a year does not loop per minute).
    const missed = Math.max(1, Math.floor((now - current) / timing.intervalMs));
    current = withinLimit(timing, current + missed * timing.intervalMs);
  }
  return current;
}
