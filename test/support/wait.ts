/** Bounded polling for states that change asynchronously (job deleting → gone, disabling → disabled, …). */
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this long. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Pause between polls; only a polling interval, never a wait for an outcome. @defaultValue 20 */
  intervalMs?: number;
  /** Shown in the timeout error. */
  what?: string;
  /** Adds the last observation to the timeout error (e.g. the last state seen). */
  lastSeen?: () => unknown;
}

/**
 * Calls `probe` until it returns something other than `undefined`/`false`, and returns that value.
 * An error thrown by `probe` fails the wait at once; after `timeoutMs` it throws with the last probed value.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      const last = options.lastSeen ? ` (last seen: ${JSON.stringify(options.lastSeen())})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}${last}`);
    }
    await delay(intervalMs);
  }
}
