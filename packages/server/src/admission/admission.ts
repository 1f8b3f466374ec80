/**
 * Stage 4 of the pipeline: admission. Refuses work the service should not take on, always with Retry-After so
 * well-behaved clients know when to come back:
 * - 429 TooManyRequests when the account's rate limit is spent (off unless `--rate-limit` is set);
 * - 503 ServerBusy when too many Batch requests are already in flight.
 * Node-agent and admin paths are not admitted here: they are the service's own traffic.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../http/api-error.js';
import type { RateLimiter } from './rate-limiter.js';

export interface AdmissionOptions {
  rateLimiter?: RateLimiter;
  /** Most Batch requests handled at once. */
  maxInFlight: number;
  /** Retry-After (seconds) sent with 503 ServerBusy. */
  busyRetryAfterSeconds: number;
  /** Counts every refusal (metrics). */
  onRefused?: (status: 429 | 503) => void;
}

export const DEFAULT_ADMISSION = Object.freeze({ maxInFlight: 512, busyRetryAfterSeconds: 1 });

export class Admission {
  private inFlight = 0;
  /** Requests that hold an in-flight slot, released exactly once when their response ends. */
  private readonly admitted = new WeakSet<object>();

  constructor(private readonly options: AdmissionOptions) {}

  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Admits the request or throws the 429/503; an admitted request must call `release` once it ends. */
  admit(request: FastifyRequest, reply: FastifyReply): void {
    const decision = this.options.rateLimiter?.take();
    if (decision !== undefined) {
      reply.header('ratelimit-limit', String(decision.limit));
      reply.header('ratelimit-remaining', String(decision.remaining));
      reply.header('ratelimit-reset', String(decision.resetSeconds));
      if (!decision.allowed) {
        this.options.onRefused?.(429);
        const headers: Record<string, string> = { 'retry-after': String(decision.retryAfterSeconds ?? 1) };
        if (decision.retryAfterMs !== undefined) headers['retry-after-ms'] = String(decision.retryAfterMs);
        throw apiError('TooManyRequests', { headers });
      }
    }
    if (this.inFlight >= this.options.maxInFlight) {
      this.options.onRefused?.(503);
      throw apiError('ServerBusy', {
        headers: { 'retry-after': String(this.options.busyRetryAfterSeconds) },
      });
    }
    this.inFlight++;
    this.admitted.add(request);
  }

  release(request: FastifyRequest): void {
    if (!this.admitted.delete(request)) return;
    this.inFlight = Math.max(0, this.inFlight - 1);
  }
}
