/**
 * Backoff between attempts: pure functions of (retry number, previous delay, options, random). Formulas from
 * Brooker's "Exponential Backoff And Jitter"; `retry` is 1 for the first retry. Results are whole milliseconds.
 */
import type { JitterMode, Random } from './types.js';

/** Un-jittered exponential step: min(cap, base·2^(retry-1)). */
export function exponentialCeiling(retry: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
}

/** Full jitter: uniform in [0, min(cap, base·2^(retry-1))). Fewest calls under contention. */
export function fullJitter(retry: number, baseMs: number, capMs: number, random: Random): number {
  return Math.floor(random() * exponentialCeiling(retry, baseMs, capMs));
}

/**
 * Decorrelated jitter: uniform in [base, 3·previous), capped; the first retry treats `previous` as `base`.
 * Slightly faster than full jitter but about a quarter more calls (measured in the AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 */
export function decorrelatedJitter(
  previousMs: number | undefined,
  baseMs: number,
  capMs: number,
  random: Random,
) {
  const upper = Math.max(baseMs, 3 * (previousMs ?? baseMs));
  return Math.min(capMs, baseMs + Math.floor(random() * (upper - baseMs)));
}

export interface BackoffInput {
  mode: JitterMode;
  /** 1 for the first retry. */
  retry: number;
  baseMs: number;
  capMs: number;
  /** The previous computed backoff of this call (decorrelated jitter only). */
  previousMs?: number | undefined;
  random: Random;
}

/** The backoff for one retry in the given mode. */
export function backoffDelay(input: BackoffInput): number {
  switch (input.mode) {
    case 'full':
      return fullJitter(input.retry, input.baseMs, input.capMs, input.random);
    case 'decorrelated':
      return decorrelatedJitter(input.previousMs, input.baseMs, input.capMs, input.random);
    case 'none':
      return exponentialCeiling(input.retry, input.baseMs, input.capMs);
  }
}
