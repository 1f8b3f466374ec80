/**
 * @batchite/retry — a retry engine for any async call or HTTP API: classification from one table, jittered
 * backoff, jittered and capped Retry-After, a shared per-host gate, a client-wide retry budget, deadlines,
 * abort, hooks, an injectable clock and random source, and retry-plan previews.
 */
export {
  backoffDelay,
  decorrelatedJitter,
  exponentialCeiling,
  fullJitter,
  type BackoffInput,
} from './backoff.js';
export {
  CLASSIFICATION_TABLE,
  classifyWith,
  defaultClassifier,
  type ClassificationRule,
  type RuleMatch,
} from './classify.js';
export { systemClock, systemRandom } from './clock.js';
export { codeOf, describeError, errorChain, retryAfterOf, statusOf } from './error-facts.js';
export {
  AttemptTimeoutError,
  DeadlineExceededError,
  RetryConfigError,
  RetryError,
  isAttemptTimeoutError,
  isDeadlineExceededError,
  isRetryConfigError,
  isRetryError,
  unwrapRetryError,
  type RetryErrorInit,
} from './errors.js';
export { HostGate, type GateWaitOptions, type HostGateOptions } from './host-gate.js';
export {
  DEFAULT_RETRY_OPTIONS,
  type CallRetryOptions,
  type ResolvedRetryOptions,
  type RetryBudgetOptions,
  type RetryDefaults,
  type RetryOptions,
} from './options.js';
export { RetryPolicy, planRetries, retry } from './policy.js';
export { applyCallOptions, resolveRetryOptions } from './resolve-options.js';
export {
  parseHttpDate,
  parseRetryAfter,
  retryAfterWait,
  retryAfterWindow,
  type HeaderSource,
} from './retry-after.js';
export { RetryBudget } from './retry-budget.js';
export { FakeClock } from './testing/fake-clock.js';
export { fixedRandom, seededRandom } from './testing/seeded-random.js';
export type * from './types.js';
