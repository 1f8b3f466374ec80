/**
 * Resolves options once: defaults from `DEFAULT_RETRY_OPTIONS`, then validation that throws `RetryConfigError`
 * on nonsense (negative or NaN delays, fractional attempts, unknown option names such as `maxRetries`).
 * An option given as `undefined` counts as not given.
 */
import { systemClock, systemRandom } from './clock.js';
import { RetryConfigError } from './errors.js';
import {
  DEFAULT_RETRY_OPTIONS,
  type CallRetryOptions,
  type ResolvedRetryOptions,
  type RetryBudgetOptions,
  type RetryOptions,
} from './options.js';
import type { JitterMode } from './types.js';

const CALL_KEYS: ReadonlySet<string> = new Set<keyof CallRetryOptions>([
  'maxAttempts',
  'maxServerPacedRetries',
  'baseDelayMs',
  'throttleBaseDelayMs',
  'maxDelayMs',
  'neverArrivedMaxDelayMs',
  'jitter',
  'respectRetryAfter',
  'retryAfterJitter',
  'maxRetryAfterMs',
  'deadlineMs',
  'attemptTimeoutMs',
  'idempotent',
  'gateKey',
  'classify',
  'signal',
  'onRetry',
  'onGiveUp',
]);
const POLICY_KEYS: ReadonlySet<string> = new Set<string>([
  ...CALL_KEYS,
  ...(['budget', 'hostGate', 'clock', 'random'] satisfies Array<keyof RetryOptions>),
]);
const BUDGET_KEYS: ReadonlySet<string> = new Set<keyof RetryBudgetOptions>([
  'ratio',
  'capacity',
  'refillPerSecond',
  'retryAfterCost',
  'k',
  'windowMs',
]);
const JITTER_MODES: ReadonlySet<string> = new Set<JitterMode>(['full', 'decorrelated', 'none']);

function checkKeys(given: object, allowed: ReadonlySet<string>, prefix: string, policyOnly = false): void {
  for (const key of Object.keys(given)) {
    if (allowed.has(key)) continue;
    const hint = policyOnly && POLICY_KEYS.has(key) ? 'can only be set on the policy' : 'unknown option';
    throw new RetryConfigError(prefix + key, hint);
  }
}

/** A number >= 0 (or > 0 when `positive`); Infinity only when `infinite`. */
function num(name: string, value: unknown, opts: { positive?: boolean; infinite?: boolean } = {}): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new RetryConfigError(name, 'must be a number');
  if (value === Number.POSITIVE_INFINITY && opts.infinite !== true) {
    throw new RetryConfigError(name, 'must be finite');
  }
  if (opts.positive === true ? !(value > 0) : !(value >= 0)) {
    throw new RetryConfigError(
      name,
      opts.positive === true ? 'must be greater than 0' : 'must not be negative',
    );
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RetryConfigError(name, 'must be true or false');
  return value;
}

function fn<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new RetryConfigError(name, 'must be a function');
  return value as T;
}

/** `budget` options with defaults filled in and validated. */
export function resolveBudgetOptions(options: RetryBudgetOptions): Readonly<Required<RetryBudgetOptions>> {
  checkKeys(options, BUDGET_KEYS, 'budget.');
  const d = DEFAULT_RETRY_OPTIONS.budget;
  return Object.freeze({
    ratio: num('budget.ratio', options.ratio ?? d.ratio),
    capacity: num('budget.capacity', options.capacity ?? d.capacity),
    refillPerSecond: num('budget.refillPerSecond', options.refillPerSecond ?? d.refillPerSecond),
    retryAfterCost: num('budget.retryAfterCost', options.retryAfterCost ?? d.retryAfterCost),
    k: num('budget.k', options.k ?? d.k),
    windowMs: num('budget.windowMs', options.windowMs ?? d.windowMs, { positive: true }),
  });
}

type CallValues = Omit<ResolvedRetryOptions, 'budget' | 'hostGate' | 'clock' | 'random'>;

/** Validates the call-level values of `given` over `base`; hooks and classifiers are prepended/appended. */
function resolveCall(base: CallValues, given: CallRetryOptions): CallValues {
  const maxAttempts = given.maxAttempts ?? base.maxAttempts;
  if (maxAttempts !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new RetryConfigError('maxAttempts', 'must be a whole number >= 1 (or Infinity)');
  }
  const maxServerPacedRetries = given.maxServerPacedRetries ?? base.maxServerPacedRetries;
  if (
    maxServerPacedRetries !== Number.POSITIVE_INFINITY &&
    !(Number.isInteger(maxServerPacedRetries) && maxServerPacedRetries >= 0)
  ) {
    throw new RetryConfigError('maxServerPacedRetries', 'must be a whole number >= 0 (or Infinity)');
  }
  const jitter = given.jitter ?? base.jitter;
  if (!JITTER_MODES.has(jitter))
    throw new RetryConfigError('jitter', "must be 'full', 'decorrelated' or 'none'");
  const gateKey = given.gateKey ?? base.gateKey;
  if (typeof gateKey !== 'string' || gateKey === '')
    throw new RetryConfigError('gateKey', 'must be a string');
  if (
    given.signal !== undefined &&
    typeof (given.signal as Partial<AbortSignal>).addEventListener !== 'function'
  ) {
    throw new RetryConfigError('signal', 'must be an AbortSignal');
  }
  // A call's signal adds to the policy's (e.g. a client's close()); either one cancels the call.
  const signal =
    given.signal === undefined || base.signal === undefined
      ? (given.signal ?? base.signal)
      : AbortSignal.any([base.signal, given.signal]);
  const classify = fn<NonNullable<CallRetryOptions['classify']>>('classify', given.classify);
  const onRetry = fn<NonNullable<CallRetryOptions['onRetry']>>('onRetry', given.onRetry);
  const onGiveUp = fn<NonNullable<CallRetryOptions['onGiveUp']>>('onGiveUp', given.onGiveUp);
  return {
    maxAttempts,
    maxServerPacedRetries,
    baseDelayMs: num('baseDelayMs', given.baseDelayMs ?? base.baseDelayMs),
    throttleBaseDelayMs: num('throttleBaseDelayMs', given.throttleBaseDelayMs ?? base.throttleBaseDelayMs),
    maxDelayMs: num('maxDelayMs', given.maxDelayMs ?? base.maxDelayMs, { infinite: true }),
    neverArrivedMaxDelayMs: num(
      'neverArrivedMaxDelayMs',
      given.neverArrivedMaxDelayMs ?? base.neverArrivedMaxDelayMs,
    ),
    jitter,
    respectRetryAfter: bool('respectRetryAfter', given.respectRetryAfter ?? base.respectRetryAfter),
    retryAfterJitter: num('retryAfterJitter', given.retryAfterJitter ?? base.retryAfterJitter),
    maxRetryAfterMs: num('maxRetryAfterMs', given.maxRetryAfterMs ?? base.maxRetryAfterMs, {
      infinite: true,
    }),
    deadlineMs: num('deadlineMs', given.deadlineMs ?? base.deadlineMs, { positive: true, infinite: true }),
    attemptTimeoutMs: num('attemptTimeoutMs', given.attemptTimeoutMs ?? base.attemptTimeoutMs, {
      positive: true,
      infinite: true,
    }),
    idempotent: bool('idempotent', given.idempotent ?? base.idempotent),
    gateKey,
    signal,
    // The call's classifier is asked first; the call's hooks run after the policy's.
    classifiers: classify === undefined ? base.classifiers : [classify, ...base.classifiers],
    onRetry: onRetry === undefined ? base.onRetry : [...base.onRetry, onRetry],
    onGiveUp: onGiveUp === undefined ? base.onGiveUp : [...base.onGiveUp, onGiveUp],
  };
}

const EMPTY_CALL: CallValues = {
  ...DEFAULT_RETRY_OPTIONS,
  signal: undefined,
  classifiers: [],
  onRetry: [],
  onGiveUp: [],
};

function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

/** Resolves policy (or one-shot) options over `DEFAULT_RETRY_OPTIONS`. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const given = withoutUndefined(options);
  checkKeys(given, POLICY_KEYS, '');
  const budget = given.budget ?? {};
  if (budget !== false && (typeof budget !== 'object' || budget === null)) {
    throw new RetryConfigError('budget', 'must be an object or false');
  }
  const clock = given.clock ?? systemClock;
  if (typeof clock.now !== 'function' || typeof clock.sleep !== 'function') {
    throw new RetryConfigError('clock', 'must have now() and sleep()');
  }
  return Object.freeze({
    ...resolveCall(EMPTY_CALL, given),
    budget: budget === false ? false : resolveBudgetOptions(withoutUndefined(budget)),
    hostGate: bool('hostGate', given.hostGate ?? DEFAULT_RETRY_OPTIONS.hostGate),
    clock,
    random: fn<ResolvedRetryOptions['random']>('random', given.random) ?? systemRandom,
  });
}

/** Applies per-call overrides to resolved policy options (validated the same way). */
export function applyCallOptions(
  base: ResolvedRetryOptions,
  overrides: CallRetryOptions = {},
): ResolvedRetryOptions {
  const given = withoutUndefined(overrides);
  if (Object.keys(given).length === 0) return base;
  checkKeys(given, CALL_KEYS, '', true);
  return Object.freeze({ ...base, ...resolveCall(base, given) });
}
