/**
 * Errors of the retry engine. Each class carries a `Symbol.for` brand so the guards (and `instanceof`) work across
 * two installed copies of the package, as undici's errors do.
 */
import { describeError } from './error-facts.js';
import type { AttemptRecord, GiveUpReason } from './types.js';

const RETRY_ERROR = Symbol.for('batchite.retry.RetryError');
const CONFIG_ERROR = Symbol.for('batchite.retry.RetryConfigError');
const ATTEMPT_TIMEOUT = Symbol.for('batchite.retry.AttemptTimeoutError');
const DEADLINE = Symbol.for('batchite.retry.DeadlineExceededError');

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

const REASON_TEXT: Readonly<Record<GiveUpReason, string>> = {
  'attempts-exhausted': 'no attempts left',
  'budget-empty': 'the retry budget is spent',
  deadline: 'the next attempt would end past the deadline',
  'non-retryable': 'the error is not retryable',
  aborted: 'aborted by the caller',
};

export interface RetryErrorInit {
  reason: GiveUpReason;
  attempts: number;
  history: readonly AttemptRecord[];
  /** The last underlying error, or the abort reason when `reason` is `aborted`. */
  cause: unknown;
  /** The last attempt's error, when it differs from `cause` (an abort after failed attempts). */
  lastError?: unknown;
  elapsedMs: number;
  /** Extra words for the message, e.g. why a retryable error was not retried. */
  detail?: string;
}

/**
 * Thrown on every give-up, including a non-retryable error at the first attempt and an abort: callers branch
 * on `reason` and read the underlying error from `cause` (or call `unwrapRetryError`).
 */
export class RetryError extends Error {
  override readonly name = 'RetryError';
  /** Stable code for callers that branch on codes. */
  readonly code = 'RETRY_GAVE_UP';
  readonly reason: GiveUpReason;
  /** Attempts actually sent (0 when aborted, or stopped by the deadline, before the first). */
  readonly attempts: number;
  readonly history: readonly AttemptRecord[];
  /** The last attempt's error (equal to `cause` except when the caller aborted). */
  readonly lastError: unknown;
  readonly elapsedMs: number;

  constructor(init: RetryErrorInit) {
    super(giveUpMessage(init), { cause: init.cause });
    Object.defineProperty(this, RETRY_ERROR, { value: true });
    this.reason = init.reason;
    this.attempts = init.attempts;
    this.history = init.history;
    this.lastError = 'lastError' in init ? init.lastError : init.cause;
    this.elapsedMs = init.elapsedMs;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, RETRY_ERROR);
  }
}

function giveUpMessage(init: RetryErrorInit): string {
  const when =
    init.attempts === 0
      ? 'before the first attempt'
      : `after ${init.attempts} attempt${init.attempts === 1 ? '' : 's'}`;
  const why = init.detail ?? REASON_TEXT[init.reason];
  const last = 'lastError' in init ? init.lastError : init.cause;
  const tail = last === undefined ? '' : `: last error ${describeError(last)}`;
  return `gave up ${when} (${init.reason}: ${why})${tail}`;
}

/** True for a `RetryError` from any copy of this package. */
export function isRetryError(value: unknown): value is RetryError {
  return hasBrand(value, RETRY_ERROR);
}

/** The underlying error of a `RetryError` (its `cause`); any other value is returned unchanged. */
export function unwrapRetryError(value: unknown): unknown {
  return isRetryError(value) ? value.cause : value;
}

/** Thrown when options make no sense (negative delays, unknown names...). */
export class RetryConfigError extends Error {
  override readonly name = 'RetryConfigError';
  readonly code = 'RETRY_CONFIG';
  /** The option at fault, e.g. `baseDelayMs` or `budget.ratio`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`invalid retry option ${option}: ${problem}`);
    Object.defineProperty(this, CONFIG_ERROR, { value: true });
    this.option = option;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, CONFIG_ERROR);
  }
}

export function isRetryConfigError(value: unknown): value is RetryConfigError {
  return hasBrand(value, CONFIG_ERROR);
}

/** The reason `ctx.signal` aborts with when the per-attempt timeout fires. Classified as retryable. */
export class AttemptTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'RETRY_ATTEMPT_TIMEOUT';
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    Object.defineProperty(this, ATTEMPT_TIMEOUT, { value: true });
    this.timeoutMs = timeoutMs;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, ATTEMPT_TIMEOUT);
  }
}

export function isAttemptTimeoutError(value: unknown): value is AttemptTimeoutError {
  return hasBrand(value, ATTEMPT_TIMEOUT);
}

/** The reason `ctx.signal` aborts with when the call's total deadline passes during an attempt. */
export class DeadlineExceededError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'RETRY_DEADLINE';
  readonly deadlineMs: number;

  constructor(deadlineMs: number) {
    super(`deadline of ${deadlineMs} ms passed`);
    Object.defineProperty(this, DEADLINE, { value: true });
    this.deadlineMs = deadlineMs;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, DEADLINE);
  }
}

export function isDeadlineExceededError(value: unknown): value is DeadlineExceededError {
  return hasBrand(value, DEADLINE);
}
