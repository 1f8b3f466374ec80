/**
 * Per-account request rate limit: a token bucket refilled at `ratePerSecond`, holding at most `burst` tokens.
 * A request takes one token; with none left it is refused with 429 TooManyRequests and an honest Retry-After.
 *
 * Honest means "when a token will be there for you", not "when the next token comes": every refused request is
 * given its own future slot, one token interval after the slot given to the previous refused request (or when
 * the next token is due, if that is later). Telling every throttled client the same moment brings them back
 * together, most to be refused again, while the bucket idles between the waves; spreading them over the coming
 * tokens keeps the limit busy and the refusals near one per success (bench/rate-limit.mjs, docs/benchmarks.md).
 * The slot goes out as `retry-after-ms` (read first by Azure SDKs and ours) and as whole seconds in
 * `Retry-After` (Batch sends integer seconds), never more than `MAX_RETRY_AFTER_MS` ahead.
 */
import type { Clock } from '@batchite/retry';

export interface RateLimitOptions {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests that may arrive at once after a quiet period. @defaultValue ratePerSecond */
  burst?: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset). */
  resetSeconds: number;
  /** When refused: whole seconds until this request's slot (Retry-After, at least 1). */
  retryAfterSeconds?: number;
  /** When refused: milliseconds until this request's slot (retry-after-ms). */
  retryAfterMs?: number;
}

/** The furthest ahead a refused request is given a slot; beyond it the queue of promises is not honest anyway. */
export const MAX_RETRY_AFTER_MS = 60_000;

export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  /** The slot given to the last refused request (epoch ms). */
  private lastSlotAt = Number.NEGATIVE_INFINITY;
  readonly burst: number;

  constructor(
    readonly options: RateLimitOptions,
    private readonly clock: Clock,
  ) {
    if (!(options.ratePerSecond > 0))
      throw new Error('rate limit must be a positive number of requests per second');
    this.burst = Math.max(1, Math.floor(options.burst ?? options.ratePerSecond));
    this.tokens = this.burst;
    this.updatedAt = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.options.ratePerSecond);
    this.updatedAt = now;
  }

  take(): RateDecision {
    this.refill();
    const rate = this.options.ratePerSecond;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return {
        allowed: true,
        limit: this.burst,
        remaining: Math.floor(this.tokens),
        resetSeconds: Math.ceil((this.burst - this.tokens) / rate),
      };
    }
    const retryAfterMs = this.nextSlot(rate);
    return {
      allowed: false,
      limit: this.burst,
      remaining: 0,
      resetSeconds: Math.ceil((this.burst - this.tokens) / rate),
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      retryAfterMs,
    };
  }

  /** Gives a refused request the next free slot: milliseconds from now. */
  private nextSlot(rate: number): number {
    const now = this.clock.now();
    const nextToken = now + ((1 - this.tokens) / rate) * 1000;
    const slot = Math.min(Math.max(nextToken, this.lastSlotAt + 1000 / rate), now + MAX_RETRY_AFTER_MS);
    this.lastSlotAt = slot;
    return Math.ceil(slot - now);
  }
}
