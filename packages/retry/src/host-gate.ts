/**
 * The shared host gate: when one call learns "wait 30 s" from a throttled answer, every call to the same host
 * (same `gateKey`) holds its next attempt, first attempts included, instead of collecting its own 429.
 * Waiters are released spread over the same window as the throttled call's own wait, so they do not all return
 * on the same tick. The gate is advisory memory, not a lock: an open gate costs one Map lookup.
 */
import { systemClock, systemRandom } from './clock.js';
import type { Clock, Random } from './types.js';

export interface HostGateOptions {
  /** @defaultValue `systemClock` */
  clock?: Clock;
  /** @defaultValue `Math.random` */
  random?: Random;
}

export interface GateWaitOptions {
  /** Cancels the wait at once (rejects with the signal's reason). */
  signal?: AbortSignal | undefined;
  /** Do not wait at all when the gate would not open within this long; `wait` then returns false. */
  maxWaitMs?: number | undefined;
}

interface Closure {
  /** The gate opens at this time... */
  until: number;
  /** ...and each waiter is released at a uniform point of [until, until + spreadMs]. */
  spreadMs: number;
}

export class HostGate {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #closed = new Map<string, Closure>();

  constructor(options: HostGateOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
  }

  /** Closes the gate for `key` until `untilMs` (a later closure wins; an earlier one never shortens it). */
  close(key: string, untilMs: number, spreadMs = 0): void {
    const current = this.#live(key);
    if (current !== undefined && current.until >= untilMs) return;
    this.#closed.set(key, { until: untilMs, spreadMs: Math.max(0, spreadMs) });
  }

  /** When the gate for `key` opens, or undefined when it is open. */
  openAt(key: string): number | undefined {
    return this.#live(key)?.until;
  }

  /** Milliseconds until the gate for `key` opens (0 when open), not counting a waiter's spread. */
  remainingMs(key: string): number {
    const until = this.openAt(key);
    return until === undefined ? 0 : until - this.#clock.now();
  }

  /**
   * Waits until the gate for `key` is open (at once when it is). Returns true when open, or false without
   * waiting when it would not open within `maxWaitMs`. A closure extended during the wait is waited out too.
   */
  async wait(key: string, options: GateWaitOptions = {}): Promise<boolean> {
    const { signal, maxWaitMs = Number.POSITIVE_INFINITY } = options;
    signal?.throwIfAborted();
    const start = this.#clock.now();
    for (;;) {
      const closure = this.#live(key);
      if (closure === undefined) return true;
      const now = this.#clock.now();
      const untilOpen = closure.until - now;
      const budget = maxWaitMs - (now - start);
      if (untilOpen >= budget) return false;
      // The spread is trimmed so the release still falls inside the caller's limit.
      const spread = Math.floor(this.#random() * closure.spreadMs);
      await this.#clock.sleep(Math.max(untilOpen, Math.min(untilOpen + spread, budget - 1)), signal);
    }
  }

  #live(key: string): Closure | undefined {
    const closure = this.#closed.get(key);
    if (closure !== undefined && closure.until <= this.#clock.now()) {
      this.#closed.delete(key);
      return undefined;
    }
    return closure;
  }
}
