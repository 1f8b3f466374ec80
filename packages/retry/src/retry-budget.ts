/**
 * The client-wide retry budget, shared by every call of a policy. Two parts, and a retry goes when either allows it:
 *
 * - Adaptive (the SRE book's client-side throttling, "Handling Overload"): over a sliding window of `windowMs`,
 *   `requests` counts attempts that reached the server and `accepts` those it answered with anything but a
 *   retryable failure. A retry is refused with probability max(0, (requests − k × accepts) / (requests + 1)), k = 2:
 *   free while at least half the attempts succeed (a healthy server behind a bad network), cut off as successes
 *   vanish. A window with no accept at all grants nothing here, so only the floor is left.
 * - The floor, a token bucket (gRPC retryThrottling, Finagle RetryBudget): each first attempt deposits `ratio`
 *   tokens, a retry the adaptive part refused withdraws its cost (1, or `retryAfterCost` when the server paced it).
 *   Time tops the bucket up to at least `refillPerSecond` tokens per second (the larger of that and the deposits,
 *   never their sum). When almost nothing succeeds, retries stay at `ratio` of the calls: 1.1 requests per call.
 *
 * Requests that never arrived are counted in neither part. First attempts never wait for or spend tokens; a retry
 * neither part pays for gives up at once (`budget-empty`).
 */
import { systemClock, systemRandom } from './clock.js';
import { DEFAULT_RETRY_OPTIONS, type RetryBudgetOptions } from './options.js';
import { resolveBudgetOptions } from './resolve-options.js';
import type { Clock, Random } from './types.js';

/** The window is kept as this many slots, each `windowMs / SLOTS` long. */
const SLOTS = 12;

interface Slot {
  /** Index of the slot's time span (`floor(now / slotMs)`); a slot of an older span is stale. */
  span: number;
  requests: number;
  accepts: number;
}

/** Float sums of 0.1 drift (10 × 0.1 < 1); compare with this slack. */
const EPSILON = 1e-9;

export class RetryBudget {
  /** False when built with `false`: every retry is allowed and `available()` is Infinity. */
  readonly enabled: boolean;
  readonly options: Readonly<Required<RetryBudgetOptions>>;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #slots: Slot[] = Array.from({ length: SLOTS }, () => ({ span: -1, requests: 0, accepts: 0 }));
  #tokens: number;
  #refilledAt: number;
  /**
   * Deposits not yet set against the time reserve: the reserve only adds what first attempts did not. Capped at
   * one second of reserve (or one deposit), so a burst of calls does not hold the reserve back for long after.
   */
  #depositCredit = 0;

  constructor(
    options: RetryBudgetOptions | false = {},
    clock: Clock = systemClock,
    random: Random = systemRandom,
  ) {
    this.enabled = options !== false;
    this.options = options === false ? DEFAULT_RETRY_OPTIONS.budget : resolveBudgetOptions(options);
    this.#clock = clock;
    this.#random = random;
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

  /**
   * An attempt reached the server: `accepted` when it was answered with anything but a retryable failure (a
   * success, a 4xx). Feeds the adaptive part's window.
   */
  recordAttempt(accepted: boolean): void {
    if (!this.enabled) return;
    const slot = this.#slot();
    slot.requests += 1;
    if (accepted) slot.accepts += 1;
  }

  /** Requests and accepts in the current window. */
  window(): { requests: number; accepts: number } {
    const now = this.#span();
    let requests = 0;
    let accepts = 0;
    for (const slot of this.#slots) {
      if (now - slot.span >= SLOTS) continue;
      requests += slot.requests;
      accepts += slot.accepts;
    }
    return { requests, accepts };
  }

  /** The adaptive part's refusal probability now (1 when the window holds no accept). */
  rejectProbability(): number {
    const { requests, accepts } = this.window();
    if (accepts === 0) return 1;
    return Math.max(0, (requests - this.options.k * accepts) / (requests + 1));
  }

  /**
   * Pays for a retry: tokens taken (0 when the adaptive part allowed it), or undefined (nothing taken) when
   * neither part allows it.
   */
  withdraw(cost = 1): number | undefined {
    if (!this.enabled || cost <= 0) return 0;
    const p = this.rejectProbability();
    if (p < 1 && this.#random() >= p) return 0;
    this.#refill();
    if (this.#tokens + EPSILON < cost) return undefined;
    this.#tokens = Math.max(0, this.#tokens - cost);
    return cost;
  }

  /** `withdraw` as a yes/no. */
  tryWithdraw(cost = 1): boolean {
    return this.withdraw(cost) !== undefined;
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
    const copy = new RetryBudget(this.enabled ? this.options : false, this.#clock, this.#random);
    this.#slots.forEach((slot, i) => Object.assign(copy.#slots[i] as Slot, slot));
    copy.#tokens = this.#tokens;
    copy.#refilledAt = this.#refilledAt;
    copy.#depositCredit = this.#depositCredit;
    return copy;
  }

  #span(): number {
    return Math.floor(this.#clock.now() / (this.options.windowMs / SLOTS));
  }

  /** The slot of the current span, emptied first when it held an older one. */
  #slot(): Slot {
    const span = this.#span();
    const slot = this.#slots[((span % SLOTS) + SLOTS) % SLOTS] as Slot;
    if (slot.span !== span) Object.assign(slot, { span, requests: 0, accepts: 0 });
    return slot;
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
