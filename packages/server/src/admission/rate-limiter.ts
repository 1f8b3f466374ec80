/**
 * Per-account request rate limit: a token bucket refilled at `ratePerSecond`, holding at most `burst` tokens.
 * A request takes one token; with none left it is refused with 429 TooManyRequests and an honest Retry-After:
 * the whole seconds until a token is back (Batch sends integer seconds).
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
  /** When refused: whole seconds until a token is available (Retry-After, at least 1). */
  retryAfterSeconds?: number;
}

export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
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
    return {
      allowed: false,
      limit: this.burst,
      remaining: 0,
      resetSeconds: Math.ceil((this.burst - this.tokens) / rate),
      retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / rate)),
    };
  }
}
