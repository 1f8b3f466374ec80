/**
 * One attempt: builds its `AttemptContext`, arms the per-attempt timeout and the deadline on `ctx.signal`, and
 * races the operation against that signal, so an abort settles the attempt at once even when the operation
 * ignores its signal (cockatiel's "aggressive" timeout). The abandoned promise is observed, never unhandled.
 */
import { AttemptTimeoutError, DeadlineExceededError } from './errors.js';
import type { AttemptContext, AttemptRecord, Clock } from './types.js';

/** Who aborted the attempt, when it was aborted. */
export type AbortedBy = 'caller' | 'attempt-timeout' | 'deadline';

export type AttemptOutcome<T> =
  { ok: true; value: T } | { ok: false; error: unknown; abortedBy: AbortedBy | undefined };

export interface AttemptSetup {
  attempt: number;
  history: readonly AttemptRecord[];
  clock: Clock;
  signal: AbortSignal | undefined;
  attemptTimeoutMs: number;
  deadlineMs: number;
  deadlineAt: number;
}

/**
 * Why the attempt's timers are cancelled once it settles. One shared reason: `abort()` without one builds a
 * DOMException with a stack on every call, which showed in agent profiles (one per HTTP attempt).
 */
const ATTEMPT_SETTLED = Object.freeze(new Error('the attempt settled'));

/** Calls `fn` now; `async` turns a synchronous throw into a rejection. */
async function invoke<T>(fn: (ctx: AttemptContext) => Promise<T>, ctx: AttemptContext): Promise<T> {
  return await fn(ctx);
}

function raceWithAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Runs `fn` once with its own signal; never rejects. */
export async function runAttempt<T>(
  fn: (ctx: AttemptContext) => Promise<T>,
  setup: AttemptSetup,
): Promise<AttemptOutcome<T>> {
  const { clock, signal, attemptTimeoutMs } = setup;
  const controller = new AbortController();
  const timers = new AbortController();
  let abortedBy: AbortedBy | undefined;
  const abort = (by: AbortedBy, reason: unknown): void => {
    abortedBy ??= by;
    controller.abort(reason);
  };
  const onCallerAbort = (): void => abort('caller', signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });

  const remainingMs = setup.deadlineAt - clock.now();
  const limitMs = Math.min(attemptTimeoutMs, remainingMs);
  if (Number.isFinite(limitMs)) {
    // The earlier of the two limits fires; a timeout at or past the deadline is the deadline.
    const byTimeout = attemptTimeoutMs < remainingMs;
    clock.sleep(limitMs, timers.signal).then(
      () =>
        byTimeout
          ? abort('attempt-timeout', new AttemptTimeoutError(attemptTimeoutMs))
          : abort('deadline', new DeadlineExceededError(setup.deadlineMs)),
      () => undefined, // cancelled: the attempt settled first
    );
  }
  const ctx: AttemptContext = { attempt: setup.attempt, signal: controller.signal, history: setup.history };
  if (Number.isFinite(remainingMs)) ctx.remainingMs = remainingMs;
  try {
    return { ok: true, value: await raceWithAbort(invoke(fn, ctx), controller.signal) };
  } catch (error) {
    return { ok: false, error, abortedBy };
  } finally {
    timers.abort(ATTEMPT_SETTLED);
    signal?.removeEventListener('abort', onCallerAbort);
  }
}
