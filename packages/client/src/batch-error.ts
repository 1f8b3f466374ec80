/**
 * `BatchError`: the one error type every `BatchClient` call rejects with.
 *
 * `kind` names the error family of the Batch docs so callers branch on a handful of families instead of dozens of
 * codes. It comes from the protocol catalog's `family` for known codes and from the HTTP status otherwise — never from
 * message text.
 */
import { errorSpec, type ErrorDetail } from '@batchite/protocol';
import {
  CLASSIFICATION_TABLE,
  codeOf,
  isRetryError,
  retryAfterOf,
  statusOf,
  type AttemptRecord,
  type GiveUpReason,
} from '@batchite/retry';

/**
 * The error families of the Batch docs, plus `conditionNotMet` for ETag/date preconditions (as in the catalog) and
 * `timeout` for the client's own waits (`waitForJob`, `waitForTasks`) that ran out of time.
 */
export type BatchErrorKind =
  | 'network'
  | 'server'
  | 'throttled'
  | 'alreadyExists'
  | 'invalidOperation'
  | 'notFound'
  | 'badRequest'
  | 'auth'
  | 'conditionNotMet'
  | 'timeout';

const BRAND = Symbol.for('batchite.BatchError');

/**
 * Codes the Azure Batch REST reference documents (learn.microsoft.com/rest/api/batchservice, "Batch status and error codes") that Batchite's catalog does not produce. Looked up only when the
 * catalog has no entry, so a client talking to real Azure still gets the right family.
 */
const EXTRA_FAMILIES: Readonly<Record<string, BatchErrorKind>> = Object.freeze({
  JobScheduleExists: 'alreadyExists',
  NodeUserExists: 'alreadyExists',
  CertificateExists: 'alreadyExists',
  JobWithSameIdExists: 'alreadyExists',
  JobScheduleWithSameIdExists: 'alreadyExists',
  ResourceAlreadyExists: 'alreadyExists',
  JobScheduleNotFound: 'notFound',
  NodeUserNotFound: 'notFound',
  CertificateNotFound: 'notFound',
  ApplicationNotFound: 'notFound',
  IOError: 'auth',
  AccountIsDisabled: 'auth',
  TooManyEnableAutoScaleRequests: 'throttled',
});

export interface BatchErrorInit {
  message: string;
  kind: BatchErrorKind;
  code?: string | undefined;
  statusCode?: number | undefined;
  requestId?: string | undefined;
  clientRequestId?: string | undefined;
  retryAfterMs?: number | undefined;
  values?: readonly ErrorDetail[] | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  explanation?: string | undefined;
  cause?: unknown;
}

export class BatchError extends Error {
  override readonly name = 'BatchError';
  /** Family of the failure; branch on this. */
  readonly kind: BatchErrorKind;
  /** Batch error code (`TaskExists`, `ServerBusy`, …) or the network error code (`ECONNRESET`, …). */
  readonly code: string | undefined;
  /** HTTP status; undefined for network errors. */
  readonly statusCode: number | undefined;
  /** The server's `request-id` of the failing response. */
  readonly requestId: string | undefined;
  /** The `client-request-id` this logical call sent on every attempt. */
  clientRequestId: string | undefined;
  /** The wait the server asked for (`Retry-After`, `retry-after-ms`, `x-ms-retry-after-ms`). */
  readonly retryAfterMs: number | undefined;
  /** `values` of the Batch error body (`[{key, value}]`). */
  readonly values: readonly ErrorDetail[];
  /** Response headers of the failing attempt (lower-case names). Read by the retry classifier. */
  readonly headers: Readonly<Record<string, string>>;
  /** For state errors: which state transition failed and what the operation needs. */
  explanation: string | undefined;
  /** How many attempts the logical call made (set when the call settles). */
  attempts = 1;
  /** Why the retry engine stopped, when it did (`attempts-exhausted`, `non-retryable`, …). */
  giveUpReason: GiveUpReason | undefined;
  /** The retry engine's record of every attempt (status, code, decision, delay). */
  history: readonly AttemptRecord[] = [];
  declare readonly cause: unknown;

  constructor(init: BatchErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code;
    this.statusCode = init.statusCode;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.retryAfterMs = init.retryAfterMs;
    this.values = init.values ?? [];
    this.headers = init.headers ?? {};
    this.explanation = init.explanation;
    this.giveUpReason = undefined;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for a `BatchError`, also across duplicated copies of this package. */
export function isBatchError(value: unknown): value is BatchError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Codes of failures that never got an HTTP answer and that the retry engine's table does not list. */
const OTHER_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND', // DNS: no such host
  'NetworkError', // the client's code for a fetch failure without one
  'REQUEST_SEND_ERROR', // the official SDK's RestError for a request that failed to send
  'RETRY_ATTEMPT_TIMEOUT', // the engine's attempt timeout: no answer in time
  'RETRY_DEADLINE', // the engine's deadline passed while waiting for an answer
]);

/**
 * The error family.
 *
 * - `kindOf(error)`: of a thrown value — a `BatchError`'s own `kind`; for any other error (the official SDK's
 *   `RestError`, a fetch `TypeError`, a retry engine `RetryError`) from its `statusCode`/`status` and `code` (along
 *   the `cause` chain). `undefined` when the value carries neither a status nor a code that names a family (a bug, an
 *   abort): never a guess.
 * - `kindOf(code, statusCode, retryAfterMs?)`: of a Batch error response — catalog first, then the status.
 */
export function kindOf(error: unknown): BatchErrorKind | undefined;
export function kindOf(code: string | undefined, statusCode: number, retryAfterMs?: number): BatchErrorKind;
export function kindOf(
  first: unknown,
  statusCode?: number,
  retryAfterMs?: number,
): BatchErrorKind | undefined {
  if (typeof statusCode === 'number')
    return kindOfResponse(first as string | undefined, statusCode, retryAfterMs);
  return kindOfError(first);
}

function kindOfResponse(code: string | undefined, statusCode: number, retryAfterMs?: number): BatchErrorKind {
  return (code === undefined ? undefined : familyOfCode(code)) ?? kindOfStatus(statusCode, retryAfterMs);
}

function familyOfCode(code: string): BatchErrorKind | undefined {
  return errorSpec(code)?.family ?? EXTRA_FAMILIES[code];
}

function kindOfError(error: unknown): BatchErrorKind | undefined {
  if (isBatchError(error)) return error.kind;
  // The engine gave up: the family is the last attempt's (an abort has none).
  if (isRetryError(error)) return error.reason === 'aborted' ? undefined : kindOfError(error.lastError);
  const status = statusOf(error);
  const code = codeOf(error);
  if (status !== undefined) return kindOfResponse(code, status, retryAfterOf(error, Date.now()));
  if (code === undefined) return undefined;
  return familyOfCode(code) ?? (isNetworkCode(code) ? 'network' : undefined);
}

/** A code the retry engine's table retries (socket and DNS failures), or another code of an unanswered request. */
function isNetworkCode(code: string): boolean {
  if (OTHER_NETWORK_CODES.has(code)) return true;
  return CLASSIFICATION_TABLE.some(
    (rule) => 'code' in rule.match && rule.match.code === code && rule.kind === 'retry',
  );
}

function kindOfStatus(status: number, retryAfterMs: number | undefined): BatchErrorKind {
  if (status === 429) return 'throttled';
  if (status === 503 && retryAfterMs !== undefined) return 'throttled';
  if (status === 408) return 'network';
  if (status >= 500) return 'server';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'notFound';
  if (status === 304 || status === 412) return 'conditionNotMet';
  if (status === 409) return 'invalidOperation';
  return 'badRequest';
}
