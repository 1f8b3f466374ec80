/**
 * Public types of the retry engine. Implementation lives beside this file; this module holds no logic.
 * Nothing here knows about Azure Batch.
 */

/** Wall clock and timers, injected so tests can use a fake clock. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Uniform random number in [0, 1). Injected so tests are deterministic. */
export type Random = () => number;

/**
 * What a classifier decides about one failed attempt.
 * - `retry`: transient; wait the computed backoff (or `retryAfterMs` when the server said so).
 * - `throttled`: the server asked us to slow down (429, or 503 with Retry-After); uses the throttle
 *   base delay, and a Retry-After pauses the whole host gate.
 * - `fatal`: do not retry.
 *
 * `unprocessed: true` says the request certainly had no effect (connection refused, throttled at admission), so
 * even a call marked `idempotent: false` may be resent. Absent means "the server may have applied it".
 * `neverArrived: true` says the request never reached the service (connection refused, DNS, connect timeout):
 * such retries ride through an outage until the deadline, outside `maxAttempts` and the budget, and every call to
 * the same host shares one probe (see `HostGate`).
 */
export type RetryDecision =
  | { kind: 'retry'; reason: string; retryAfterMs?: number; unprocessed?: boolean; neverArrived?: boolean }
  | { kind: 'throttled'; reason: string; retryAfterMs?: number; unprocessed?: boolean }
  | { kind: 'fatal'; reason: string };

/** Why the engine stopped retrying. */
export type GiveUpReason = 'attempts-exhausted' | 'budget-empty' | 'deadline' | 'non-retryable' | 'aborted';

/** One attempt in the history attached to every give-up. */
export interface AttemptRecord {
  /** 1-based attempt number. */
  attempt: number;
  /** HTTP status when the failure was a response, undefined for network errors. */
  status?: number;
  /** Stable error code (`ECONNRESET`, `ServerBusy`, ...), when known. */
  code?: string;
  /** The classifier's decision for this attempt. */
  decision: RetryDecision;
  /** The wait chosen before the next attempt (undefined for the last attempt). */
  delayMs?: number;
  /** When the attempt started and ended, from the injected clock. */
  startedAt: number;
  endedAt: number;
  /** Time spent waiting for a closed host gate before this attempt was sent (absent when it did not wait). */
  gateWaitMs?: number;
  /** Budget tokens the retry after this attempt took from the bucket (absent when it took none). */
  budgetCost?: number;
}

/** Passed to the operation on every attempt. */
export interface AttemptContext {
  /** 1-based attempt number. `attempt - 1` is the OpenTelemetry `http.request.resend_count`. */
  attempt: number;
  /** Aborts when the caller aborts, the per-attempt timeout fires, or the total deadline passes. */
  signal: AbortSignal;
  /** Milliseconds left before the total deadline, if one is set (for a server-side `timeout` parameter). */
  remainingMs?: number;
  /** Previous attempts of this call (empty on the first). */
  history: readonly AttemptRecord[];
}

/** Passed to `onRetry`, before the engine sleeps. */
export interface RetryEvent {
  /** The attempt that just failed (1-based); the next one is `attempt + 1`. */
  attempt: number;
  delayMs: number;
  error: unknown;
  decision: RetryDecision;
  /** OpenTelemetry-style attributes, e.g. `{ 'http.request.resend_count': 1 }`. */
  attributes: Record<string, string | number>;
}

/** Passed to `onGiveUp`, just before the engine throws its `RetryError`. */
export interface GiveUpEvent {
  reason: GiveUpReason;
  error: unknown;
  history: readonly AttemptRecord[];
  attributes: Record<string, string | number>;
}

/** What a classifier is told besides the error. */
export interface ClassifyContext {
  /** 1-based number of the attempt that failed. */
  attempt: number;
  /** Current time from the injected clock (for HTTP-date Retry-After); `Date.now()` when absent. */
  now?: number;
}

/** Classifies a thrown error. Return undefined to fall back to the next classifier, and finally the default one. */
export type Classifier = (error: unknown, context: ClassifyContext) => RetryDecision | undefined;

/**
 * Backoff shape between attempts (see `backoff.ts`):
 * - `full`: uniform in [0, min(cap, base·2^(n-1))] (AWS "full jitter");
 * - `decorrelated`: uniform in [base, 3·previous], capped (Brooker's decorrelated jitter);
 * - `none`: exactly min(cap, base·2^(n-1)) — only for tests and single clients.
 */
export type JitterMode = 'full' | 'decorrelated' | 'none';

/** Hook called before the engine sleeps for a retry. Errors thrown by a hook are ignored. */
export type RetryHook = (event: RetryEvent) => void;

/** Hook called once when the engine gives up. Errors thrown by a hook are ignored. */
export type GiveUpHook = (event: GiveUpEvent) => void;

/** One step of a retry plan (see `planRetries`): what the engine would do after the n-th error. */
export interface PlannedRetry {
  /** The failed attempt this step is about (1-based). */
  attempt: number;
  /** HTTP status and code read from the error, as in `AttemptRecord`. */
  status?: number;
  code?: string;
  decision: RetryDecision;
  action: 'retry' | 'give-up';
  /** Wait before the next attempt (when `action` is `retry`). */
  delayMs?: number;
  /** When the next attempt would start, in ms since the call started (attempts themselves take no time here). */
  nextAttemptAtMs?: number;
  /** Why the engine would stop (when `action` is `give-up`). */
  giveUpReason?: GiveUpReason;
}
