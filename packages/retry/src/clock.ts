/** The real clock: `Date.now()` and abortable timers that never outlive an abort. */
import type { Clock, Random } from './types.js';

/** setTimeout's largest delay; longer waits are slept in pieces (a larger value would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The signal's reason (typed as Error for the linter; any value passes through unchanged). */
function abortReason(signal: AbortSignal): Error {
  return (signal.reason as Error | undefined) ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Resolves after `ms` (0 or less: at once), or rejects with the signal's reason as soon as it aborts; the timer
 * is cleared on abort, so a cancelled wait keeps nothing alive.
 */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  if (!(ms > 0)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let left = ms;
    let timer: ReturnType<typeof setTimeout>;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const arm = (): void => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      timer = setTimeout(() => {
        if (left > 0) return arm();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, step);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** Real time and real timers. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now(), sleep });

/** `Math.random`, the default random source. */
export const systemRandom: Random = () => Math.random();
