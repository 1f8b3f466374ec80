/**
 * The client-wide retry budget: a token bucket shared by every call of a policy (gRPC retryThrottling, Finagle
 * RetryBudget, the SRE book's 10 % rule). Each first attempt deposits `ratio` tokens, each retry withdraws its
 * cost (1, or `retryAfterCost` when the server paced it). Time tops the bucket up to at least `refillPerSecond`
 * tokens per second: it adds `refillPerSecond × elapsed` minus what first attempts deposited meanwhile. So a busy client's retries stay at `ratio` of its calls (1.1 requests per call at most
 * once drained, whatever its rate), and a quiet one still regains `refillPerSecond` retries per second — the
 * larger of the two, never their sum. The bucket starts full at `capacity`, so a quiet client can still retry. When a retry cannot be paid, the engine gives up at once
 * (`budget-empty`); first attempts never wait for or spend tokens.
 */
import { systemClock } from './clock.js';
import { DEFAULT_RETRY_OPTIONS, type RetryBudgetOptions } from './options.js';
import { resolveBudgetOptions } from './resolve-options.js';
import type { Clock } from './types.js';

/** Float sums of 0.1 drift (10 × 0.1 < 1); compare with this slack. */
const EPSILON = 1e-9;

export class RetryBudget {
  /** False when built with `false`: every retry is allowed and `available()` is Infinity. */
  readonly enabled: boolean;
  readonly options: Readonly<Required<RetryBudgetOptions>>;
  readonly #clock: Clock;
  #tokens: number;
  #refilledAt: number;
  /**
   * Deposits not yet set against the time reserve: the reserve only adds what first attempts did not. Capped at
   * one second of reserve (or one deposit), so a burst of calls does not hold the reserve back for long after.
   */
  #depositCredit = 0;

  constructor(options: RetryBudgetOptions | false = {}, clock: Clock = systemClock) {
    this.enabled = options !== false;
    this.options = options === false ? DEFAULT_RETRY_OPTIONS.budget : resolveBudgetOptions(options);
    this.#clock = clock;
    this.#tokens = this.options.capacity;
    this.#refilledAt = clock.now();
  }

  /** Tokens now in the bucket (rounded to 1e-6), i.e. how many 1-token retries may still be made. */
  available(): number {
    if (!this.enabled) return Number.POSITIVE_INFINITY;
    this.#refill();
    return Math.round(this.#tokens * 1e6) / 1e6;
  }

  /** A first attempt was sent: deposit `ratio`. */
  recordRequest(): void {
    if (!this.enabled) return;
    this.#refill();
    this.#tokens = Math.min(this.options.capacity, this.#tokens + this.options.ratio);
    const cap = Math.max(this.options.ratio, this.options.refillPerSecond);
    this.#depositCredit = Math.min(cap, this.#depositCredit + this.options.ratio);
  }

  /** Takes `cost` tokens for a retry; false (and nothing taken) when the bucket cannot pay. */
  tryWithdraw(cost = 1): boolean {
    if (!this.enabled || cost <= 0) return true;
    this.#refill();
    if (this.#tokens + EPSILON < cost) return false;
    this.#tokens = Math.max(0, this.#tokens - cost);
    return true;
  }

  /** Gives back tokens of a retry that was never sent (its wait was aborted). */
  refund(cost = 1): void {
    if (!this.enabled || cost <= 0) return;
    this.#tokens = Math.min(this.options.capacity, this.#tokens + cost);
  }

  /** The cost of one retry: 1, or `retryAfterCost` when its wait came from the server's Retry-After. */
  costOf(serverPaced: boolean): number {
    return serverPaced ? this.options.retryAfterCost : 1;
  }

  /** An independent copy with the same balance (for `plan()`, which must not spend real tokens). */
  clone(): RetryBudget {
    const copy = new RetryBudget(this.enabled ? this.options : false, this.#clock);
    copy.#tokens = this.#tokens;
    copy.#refilledAt = this.#refilledAt;
    copy.#depositCredit = this.#depositCredit;
    return copy;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - this.#refilledAt);
    const due = (elapsed / 1000) * this.options.refillPerSecond;
    const covered = Math.min(due, this.#depositCredit);
    this.#refilledAt = now;
    this.#depositCredit -= covered;
    this.#tokens = Math.min(this.options.capacity, this.#tokens + due - covered);
  }
}
