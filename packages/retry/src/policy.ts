/**
 * `RetryPolicy`: resolved options plus the budget and host gate that every call of the policy shares (a client
 * holds one). `retry()` is the one-shot form with a private budget and gate.
 */
import { executeWithRetry } from './engine.js';
import { HostGate } from './host-gate.js';
import type { CallRetryOptions, ResolvedRetryOptions, RetryOptions } from './options.js';
import { planWith } from './plan.js';
import { applyCallOptions, resolveRetryOptions } from './resolve-options.js';
import { RetryBudget } from './retry-budget.js';
import type { AttemptContext, PlannedRetry } from './types.js';

export class RetryPolicy {
  /** The resolved, validated options every call starts from. */
  readonly options: ResolvedRetryOptions;
  /** Shared by every call: retries stay near `budget.ratio` of requests client-wide. */
  readonly budget: RetryBudget;
  /** Shared by every call: a throttled answer with Retry-After pauses all calls with the same `gateKey`. */
  readonly gate: HostGate;

  /** @throws RetryConfigError when an option makes no sense. */
  constructor(options: RetryOptions = {}) {
    this.options = resolveRetryOptions(options);
    const { clock, random } = this.options;
    this.budget = new RetryBudget(this.options.budget, clock, random);
    this.gate = new HostGate({ clock, random });
  }

  /**
   * Runs `fn` until it succeeds or the policy gives up, which always throws a `RetryError` (reason, attempts,
   * history; `cause` is the underlying error). Invalid overrides reject with `RetryConfigError`.
   */
  async execute<T>(fn: (ctx: AttemptContext) => Promise<T>, overrides?: CallRetryOptions): Promise<T> {
    const options = applyCallOptions(this.options, overrides);
    return executeWithRetry(fn, options, { budget: this.budget, gate: this.gate });
  }

  /**
   * What this policy would do for a call failing with `errors` in order (one entry per error, stopping at the
   * first give-up). Uses the policy's random source and a copy of its budget; nothing is slept or spent.
   */
  plan(errors: readonly unknown[], overrides?: CallRetryOptions): PlannedRetry[] {
    return planWith(errors, applyCallOptions(this.options, overrides), this.budget.clone());
  }
}

/** Runs `fn` with retries under `options`, with a private budget and host gate. */
export async function retry<T>(fn: (ctx: AttemptContext) => Promise<T>, options?: RetryOptions): Promise<T> {
  return new RetryPolicy(options).execute(fn);
}

/** A retry plan for a fresh policy with `options` (full budget, open gate). See `RetryPolicy.plan`. */
export function planRetries(errors: readonly unknown[], options?: RetryOptions): PlannedRetry[] {
  return new RetryPolicy(options).plan(errors);
}
