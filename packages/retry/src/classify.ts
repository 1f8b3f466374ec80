/**
 * The classification table: the one place that says which failures are retried. The default classifier walks
 * the error and its `cause` chain (thrown value first) and, on each link, tries the link's HTTP status, then its
 * string `code`, then its `name`; the first rule that matches wins. Nothing matching means fatal (`unclassified`):
 * unknown errors are usually bugs, and retrying a bug only delays the report.
 */
import { errorChain, linkCode, linkStatus, retryAfterOf } from './error-facts.js';
import type { Classifier, ClassifyContext, RetryDecision } from './types.js';

export type RuleMatch =
  /** An HTTP status; `retryAfter: true` only matches when the server sent a Retry-After. */
  | { readonly status: number; readonly retryAfter?: boolean }
  /** Any status in [from, to]. */
  | { readonly statusFrom: number; readonly statusTo: number }
  /** A string `code` on the error or on an error in its `cause` chain. */
  | { readonly code: string }
  /** An error `name` (used for timeouts and aborts that carry no code). */
  | { readonly name: string };

export interface ClassificationRule {
  readonly match: RuleMatch;
  readonly kind: RetryDecision['kind'];
  /** Stable reason reported in history, hooks (`retry.reason`) and messages. */
  readonly reason: string;
  /** The request certainly had no effect, so a non-idempotent call may be resent. */
  readonly unprocessed?: boolean;
  /** Retried only when the first attempt fails this way; fatal afterwards (one retry for a DNS blip). */
  readonly firstAttemptOnly?: boolean;
  /** The request never reached the service: ridden through until the deadline (see `RetryDecision`). */
  readonly neverArrived?: boolean;
}

const network = (code: string, reason: string, unprocessed = false): ClassificationRule => ({
  match: { code },
  kind: 'retry',
  reason,
  ...(unprocessed ? { unprocessed } : {}),
});

const neverArrived = (code: string, reason: string): ClassificationRule => ({
  match: { code },
  kind: 'retry',
  reason,
  unprocessed: true,
  neverArrived: true,
});

/** Every default rule, in matching order. docs/retry.md renders this table. */
export const CLASSIFICATION_TABLE: readonly ClassificationRule[] = Object.freeze([
  // Already retried by an inner loop: retry at one layer only (SRE book ch. 22).
  { match: { name: 'RetryError' }, kind: 'fatal', reason: 'already-retried' },
  { match: { status: 408 }, kind: 'retry', reason: 'request-timeout', unprocessed: true },
  { match: { status: 429 }, kind: 'throttled', reason: 'too-many-requests', unprocessed: true },
  { match: { status: 503, retryAfter: true }, kind: 'throttled', reason: 'server-busy', unprocessed: true },
  { match: { status: 503 }, kind: 'retry', reason: 'service-unavailable', unprocessed: true },
  { match: { status: 501 }, kind: 'fatal', reason: 'not-implemented' },
  { match: { status: 505 }, kind: 'fatal', reason: 'http-version-not-supported' },
  { match: { statusFrom: 500, statusTo: 599 }, kind: 'retry', reason: 'server-error' },
  { match: { statusFrom: 400, statusTo: 499 }, kind: 'fatal', reason: 'client-error' },
  { match: { statusFrom: 100, statusTo: 399 }, kind: 'fatal', reason: 'unexpected-status' },
  // The engine's own abort reasons.
  { match: { code: 'RETRY_ATTEMPT_TIMEOUT' }, kind: 'retry', reason: 'attempt-timeout' },
  { match: { code: 'RETRY_DEADLINE' }, kind: 'fatal', reason: 'deadline' },
  // Never reached the server.
  neverArrived('ECONNREFUSED', 'connection-refused'),
  neverArrived('EHOSTUNREACH', 'host-unreachable'),
  neverArrived('ENETUNREACH', 'network-unreachable'),
  neverArrived('ENETDOWN', 'network-down'),
  neverArrived('EHOSTDOWN', 'host-down'),
  neverArrived('EAI_AGAIN', 'dns-temporary-failure'),
  neverArrived('UND_ERR_CONNECT_TIMEOUT', 'connect-timeout'),
  {
    match: { code: 'ENOTFOUND' },
    kind: 'retry',
    reason: 'dns-not-found',
    unprocessed: true,
    firstAttemptOnly: true,
  },
  // May have reached the server: the outcome is unknown.
  network('ECONNRESET', 'connection-reset'),
  network('ETIMEDOUT', 'timed-out'),
  network('ESOCKETTIMEDOUT', 'socket-timeout'),
  network('EPIPE', 'broken-pipe'),
  network('UND_ERR_SOCKET', 'socket-closed'),
  network('UND_ERR_HEADERS_TIMEOUT', 'headers-timeout'),
  network('UND_ERR_BODY_TIMEOUT', 'body-timeout'),
  // `AbortSignal.timeout()` inside the operation.
  { match: { name: 'TimeoutError' }, kind: 'retry', reason: 'timeout' },
  // An abort nobody asked the engine for (the operation aborted itself).
  { match: { name: 'AbortError' }, kind: 'fatal', reason: 'aborted' },
] satisfies ClassificationRule[]);

function statusRule(status: number, hasRetryAfter: boolean): ClassificationRule | undefined {
  return CLASSIFICATION_TABLE.find((rule) => {
    const m = rule.match;
    if ('status' in m) return m.status === status && (m.retryAfter !== true || hasRetryAfter);
    return 'statusFrom' in m && status >= m.statusFrom && status <= m.statusTo;
  });
}

function codeRule(code: string): ClassificationRule | undefined {
  return CLASSIFICATION_TABLE.find((rule) => 'code' in rule.match && rule.match.code === code);
}

function nameRule(name: unknown): ClassificationRule | undefined {
  return CLASSIFICATION_TABLE.find((rule) => 'name' in rule.match && rule.match.name === name);
}

function toDecision(
  rule: ClassificationRule,
  attempt: number,
  retryAfterMs: number | undefined,
): RetryDecision {
  if (rule.kind === 'fatal' || (rule.firstAttemptOnly === true && attempt > 1)) {
    return { kind: 'fatal', reason: rule.reason };
  }
  return {
    kind: rule.kind,
    reason: rule.reason,
    ...(rule.unprocessed === true ? { unprocessed: true } : {}),
    ...(rule.neverArrived === true && rule.kind === 'retry' ? { neverArrived: true } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/** The built-in classifier (always defined: unmatched errors are `fatal`/`unclassified`). */
export function defaultClassifier(error: unknown, context: ClassifyContext): RetryDecision {
  const retryAfterMs = retryAfterOf(error, context.now ?? Date.now());
  for (const link of errorChain(error)) {
    const status = linkStatus(link);
    const code = linkCode(link);
    const rule =
      (status === undefined ? undefined : statusRule(status, retryAfterMs !== undefined)) ??
      (code === undefined ? undefined : codeRule(code)) ??
      nameRule(link.name);
    if (rule !== undefined) return toDecision(rule, context.attempt, retryAfterMs);
  }
  return { kind: 'fatal', reason: 'unclassified' };
}

/**
 * Runs classifiers in order until one returns a decision, then the default. A `retry`/`throttled` decision
 * without `retryAfterMs` still gets the server's Retry-After read from the error, so a custom classifier does
 * not lose the built-in header handling.
 */
export function classifyWith(
  classifiers: readonly Classifier[],
  error: unknown,
  context: ClassifyContext & { now: number },
): RetryDecision {
  for (const classify of classifiers) {
    const decision = classify(error, context);
    if (decision === undefined) continue;
    if (decision.kind === 'fatal' || decision.retryAfterMs !== undefined) return decision;
    const retryAfterMs = retryAfterOf(error, context.now);
    return retryAfterMs === undefined ? decision : { ...decision, retryAfterMs };
  }
  return defaultClassifier(error, context);
}
