/**
 * Options of the retry engine and their defaults. `DEFAULT_RETRY_OPTIONS` is the only source of every default;
 * the `@defaultValue` tags below repeat its values for editors, and a test keeps them (and docs/retry.md) in sync.
 */
import type { Classifier, Clock, GiveUpHook, JitterMode, Random, RetryHook } from './types.js';

/** Shape of the client-wide retry budget (a token bucket, see `RetryBudget`). */
export interface RetryBudgetOptions {
  /**
   * Tokens deposited by every first attempt; a retry withdraws one. 0.1 keeps retries near 10 % of requests
   * (SRE book), so a failing server sees about 1.1x load instead of `maxAttempts` x.
   * @defaultValue `0.1`
   */
  ratio?: number;
  /**
   * Most tokens the bucket holds, and its starting balance: the retries a quiet client can always make.
   * @defaultValue `10`
   */
  capacity?: number;
  /**
   * The least tokens per second the bucket gains, so a client that drained it regains a few retries while
   * quiet (Finagle's reserve, scaled down). Time only adds what first attempts did not already deposit in the
   * same interval: the refill is the larger of `ratio × calls` and this, never their sum.
   * @defaultValue `0.1`
   */
  refillPerSecond?: number;
  /**
   * Tokens a retry costs when its wait came from the server's Retry-After. The host gate already holds every
   * request to the server's pace, so server-paced retries are free by default; other retries cost 1.
   * @defaultValue `0`
   */
  retryAfterCost?: number;
  /**
   * The adaptive part (SRE book, "Handling Overload", client-side throttling): over the last `windowMs`, a retry
   * is refused with probability max(0, (requests − k × accepts) / (requests + 1)); a refused retry may still be
   * paid from the bucket. So retries are free while most attempts succeed, and the bucket's floor (`ratio`) is
   * all that is left when almost nothing succeeds.
   * @defaultValue `2`
   */
  k?: number;
  /**
   * Length of the sliding window of requests and accepts that the adaptive part looks at (the SRE book's two
   * minutes).
   * @defaultValue `120000`
   */
  windowMs?: number;
}

/** Options that may change per call (`policy.execute(fn, overrides)`). */
export interface CallRetryOptions {
  /**
   * Total attempts, the first one included (10 = 1 call + 9 retries). Retries of requests that never arrived
   * and retries the server paced do not count. The budget, not this, bounds the load on a failing server; this
   * bounds one call's bad luck. `Infinity` is allowed, but then rely on `deadlineMs` and the budget.
   * @defaultValue `10`
   */
  maxAttempts?: number;
  /**
   * Retries whose wait the server set with Retry-After (honest throttling). They do not count against
   * `maxAttempts`: a throttled client should keep coming back when told, within `deadlineMs`.
   * @defaultValue `20`
   */
  maxServerPacedRetries?: number;
  /**
   * Base of the exponential backoff for transient failures: retry n waits up to `base·2^(n-1)`.
   * @defaultValue `500`
   */
  baseDelayMs?: number;
  /**
   * Base of the exponential backoff for throttling that came without a Retry-After (waits of seconds).
   * @defaultValue `1000`
   */
  throttleBaseDelayMs?: number;
  /**
   * Cap of every computed backoff (not of Retry-After waits; see `maxRetryAfterMs`).
   * @defaultValue `30000`
   */
  maxDelayMs?: number;
  /**
   * Cap of the backoff between retries of a request that never arrived (connection refused, DNS, connect
   * timeout): a restarted server is found within this long of coming back.
   * @defaultValue `2000`
   */
  neverArrivedMaxDelayMs?: number;
  /**
   * Backoff shape: `full` jitter, `decorrelated` jitter, or `none`.
   * @defaultValue `'full'`
   */
  jitter?: JitterMode;
  /**
   * Honour Retry-After (`retry-after`, `retry-after-ms`, `x-ms-retry-after-ms`, or a classifier's
   * `retryAfterMs`). When false, such waits are ignored and the host gate is never closed.
   * @defaultValue `true`
   */
  respectRetryAfter?: boolean;
  /**
   * Spread added to a Retry-After wait: the wait is uniform in [RA, RA·(1 + factor)], so throttled clients do
   * not all come back on the same tick. 0 waits exactly RA.
   * @defaultValue `1`
   */
  retryAfterJitter?: number;
  /**
   * Longest wait a Retry-After may cause. A larger RA is clamped to this (the spread never goes past it); when the
   * clamped wait would pass the deadline the engine gives up with `deadline`.
   * @defaultValue `60000`
   */
  maxRetryAfterMs?: number;
  /**
   * Total time for the call, from its start (its first attempt, or its wait at a closed host gate) to the end of
   * the last attempt. A retry whose wait would end at or past it is not made (give-up reason `deadline`);
   * an attempt still running when it passes is aborted. `Infinity` turns it off.
   * @defaultValue `120000`
   */
  deadlineMs?: number;
  /**
   * Time limit of one attempt: aborts `ctx.signal` and counts as a retryable `attempt-timeout`.
   * `Infinity` turns it off.
   * @defaultValue `Infinity`
   */
  attemptTimeoutMs?: number;
  /**
   * Whether resending is safe when the outcome is unknown. When false, only failures the classifier marks
   * `unprocessed` (connection refused, 408/429/503, DNS) are retried; an ambiguous one (reset, 500, timeout)
   * gives up as `non-retryable`.
   * @defaultValue `true`
   */
  idempotent?: boolean;
  /**
   * The host (or any name) whose pause this call shares: a throttled answer with Retry-After closes the gate for
   * every call with the same key.
   * @defaultValue `'default'`
   */
  gateKey?: string;
  /** Classifier tried first; `undefined` falls back to the policy's classifier, then to `defaultClassifier`. */
  classify?: Classifier;
  /** Cancels the call: a pending wait settles at once and no further attempt is made. */
  signal?: AbortSignal;
  /** Called before each sleep. Call-level hooks run after the policy's; they do not replace them. */
  onRetry?: RetryHook;
  /** Called once before the engine throws its `RetryError`. Runs after the policy's hook. */
  onGiveUp?: GiveUpHook;
}

/** Options of a `RetryPolicy` (or a one-shot `retry()`): every call option plus the shared machinery. */
export interface RetryOptions extends CallRetryOptions {
  /**
   * The shared retry budget's shape, or `false` for no budget.
   * @defaultValue `{ ratio: 0.1, capacity: 10, refillPerSecond: 0.1, retryAfterCost: 0, k: 2, windowMs: 120000 }`
   */
  budget?: RetryBudgetOptions | false;
  /**
   * Whether throttled answers with Retry-After pause other calls to the same `gateKey`.
   * @defaultValue `true`
   */
  hostGate?: boolean;
  /** Time source and timers. @defaultValue `systemClock` */
  clock?: Clock;
  /** Random source for jitter. @defaultValue `Math.random` */
  random?: Random;
}

/** The fully resolved, validated options of a policy or of one call. */
export interface ResolvedRetryOptions {
  readonly maxAttempts: number;
  readonly maxServerPacedRetries: number;
  readonly baseDelayMs: number;
  readonly throttleBaseDelayMs: number;
  readonly maxDelayMs: number;
  readonly neverArrivedMaxDelayMs: number;
  readonly jitter: JitterMode;
  readonly respectRetryAfter: boolean;
  readonly retryAfterJitter: number;
  readonly maxRetryAfterMs: number;
  readonly deadlineMs: number;
  readonly attemptTimeoutMs: number;
  readonly idempotent: boolean;
  readonly gateKey: string;
  readonly hostGate: boolean;
  readonly budget: Readonly<Required<RetryBudgetOptions>> | false;
  readonly clock: Clock;
  readonly random: Random;
  /** Classifiers in the order they are tried (call's, then policy's); the default one comes last implicitly. */
  readonly classifiers: readonly Classifier[];
  readonly onRetry: readonly RetryHook[];
  readonly onGiveUp: readonly GiveUpHook[];
  readonly signal: AbortSignal | undefined;
}

/** The value options: every option that has a default. */
export type RetryDefaults = Readonly<
  Required<
    Omit<RetryOptions, 'budget' | 'classify' | 'signal' | 'onRetry' | 'onGiveUp' | 'clock' | 'random'>
  > & {
    budget: Readonly<Required<RetryBudgetOptions>>;
  }
>;

/**
 * Every default of the retry engine, in one frozen object. Rationale in docs/retry.md.
 * Waits: full jitter, 0.5 s base (1 s when throttled), 30 s cap, Retry-After spread over [RA, 2·RA] up to 60 s.
 * Limits: 10 attempts, 120 s per call; retries free while most requests succeed, near 10 % of requests when
 * almost none do; requests that never arrived retried until the deadline (one probe per host).
 */
export const DEFAULT_RETRY_OPTIONS: RetryDefaults = Object.freeze({
  /** @defaultValue `10` — at 20 % faults a call fails all 10 with p = 1e-7; the budget bounds the load. */
  maxAttempts: 10,
  /** @defaultValue `20` — with Retry-After of seconds, the 120 s deadline usually ends the call first. */
  maxServerPacedRetries: 20,
  /** @defaultValue `500` — retries at up to 0.5 s, 1 s, 2 s. */
  baseDelayMs: 500,
  /** @defaultValue `1000` — throttling without Retry-After waits up to 1 s, 2 s, 4 s (AWS 2026). */
  throttleBaseDelayMs: 1000,
  /** @defaultValue `30000` */
  maxDelayMs: 30_000,
  /** @defaultValue `2000` — a restarted server is found within 2 s of coming back. */
  neverArrivedMaxDelayMs: 2000,
  /** @defaultValue `'full'` — fewest calls under contention (Brooker). */
  jitter: 'full',
  /** @defaultValue `true` */
  respectRetryAfter: true,
  /** @defaultValue `1` — wait in [RA, 2·RA]: halves rejected calls for ~1.5 % longer makespan. */
  retryAfterJitter: 1,
  /** @defaultValue `60000` — the Azure guideline's maximum. */
  maxRetryAfterMs: 60_000,
  /** @defaultValue `120000` */
  deadlineMs: 120_000,
  /** @defaultValue `Infinity` (off) */
  attemptTimeoutMs: Number.POSITIVE_INFINITY,
  /** @defaultValue `true` */
  idempotent: true,
  /** @defaultValue `'default'` */
  gateKey: 'default',
  /** @defaultValue `true` */
  hostGate: true,
  /** @defaultValue `{ ratio: 0.1, capacity: 10, refillPerSecond: 0.1, retryAfterCost: 0, k: 2, windowMs: 120000 }` */
  budget: Object.freeze({
    ratio: 0.1,
    capacity: 10,
    refillPerSecond: 0.1,
    retryAfterCost: 0,
    k: 2,
    windowMs: 120_000,
  }),
} satisfies RetryDefaults);
