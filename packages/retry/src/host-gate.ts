/**
 * The shared host gate: when one call learns "wait 30 s" from a throttled answer, every call to the same host
 * (same `gateKey`) holds its next attempt, first attempts included, instead of collecting its own 429.
 * Waiters are released spread over the same window as the throttled call's own wait, so they do not all return
 * on the same tick. The gate is advisory memory, not a lock: an open gate costs one Map lookup.
 *
 * It also holds one probe per host while the host does not accept connections: the first call whose request
 * never arrived becomes the prober and keeps retrying at its own backoff; every other call to the host, first
 * attempts included, waits for the probe's outcome instead of knocking too. When the probe reaches the server
 * (or its caller stops), the waiters are released spread over `PROBE_SPREAD_PER_WAITER_MS` per waiter (at most
 * `PROBE_SPREAD_MAX_MS`), so a restarted server is not met by all of them on the same tick.
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
  /** The waiting call's identity: the prober itself never waits for its own probe. */
  caller?: object | undefined;
}

/** Release spread per waiting call when a probe ends, and its cap. */
export const PROBE_SPREAD_PER_WAITER_MS = 10;
export const PROBE_SPREAD_MAX_MS = 2000;

interface Probe {
  /** The call that probes (any identity object). */
  owner: object;
  /** One wake-up per waiting call, called when the probe ends. */
  wakers: Set<() => void>;
  ended: boolean;
  spreadMs: number;
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
  readonly #probes = new Map<string, Probe>();

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
   * A request of `caller` to `key` never arrived. Returns true when `caller` is (now, or still) the host's prober;
   * false when another call already probes, and `caller` should wait for it at the gate.
   */
  claimProbe(key: string, caller: object): boolean {
    const probe = this.#probes.get(key);
    if (probe !== undefined) return probe.owner === caller;
    this.#probes.set(key, { owner: caller, wakers: new Set(), ended: false, spreadMs: 0 });
    return true;
  }

  /** True while `caller` probes `key`. */
  probedBy(key: string, caller: object): boolean {
    return this.#probes.get(key)?.owner === caller;
  }

  /** True while some call probes `key`. */
  probing(key: string): boolean {
    return this.#probes.has(key);
  }

  /** The probe of `caller` on `key` ended (it reached the server, or its call stopped): releases the waiters. */
  endProbe(key: string, caller: object): void {
    const probe = this.#probes.get(key);
    if (probe?.owner !== caller) return;
    this.#probes.delete(key);
    probe.spreadMs = Math.min(PROBE_SPREAD_MAX_MS, probe.wakers.size * PROBE_SPREAD_PER_WAITER_MS);
    probe.ended = true;
    for (const wake of probe.wakers) wake();
  }

  /**
   * Waits until the gate for `key` is open (at once when it is). Returns true when open, or false without
   * waiting when it would not open within `maxWaitMs`. A closure extended during the wait is waited out too, and
   * so is another caller's probe (it has no known end: false when it outlasts `maxWaitMs`).
   */
  async wait(key: string, options: GateWaitOptions = {}): Promise<boolean> {
    const { signal, maxWaitMs = Number.POSITIVE_INFINITY } = options;
    signal?.throwIfAborted();
    const start = this.#clock.now();
    for (;;) {
      const probe = this.#probes.get(key);
      if (probe !== undefined && probe.owner !== options.caller) {
        const left = maxWaitMs - (this.#clock.now() - start);
        if (!(await this.#waitForProbe(probe, left, signal))) return false;
        continue;
      }
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

  /** Waits for `probe` to end, then for this waiter's share of the release spread; false when `left` ran out. */
  async #waitForProbe(probe: Probe, left: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (!(left > 0)) return false;
    const woken = new AbortController();
    const wake = (): void => woken.abort();
    probe.wakers.add(wake);
    const both = signal === undefined ? woken.signal : AbortSignal.any([signal, woken.signal]);
    try {
      await this.#clock.sleep(left, both);
      return false; // the probe outlasted the caller's limit
    } catch (error) {
      signal?.throwIfAborted();
      if (!probe.ended) throw error;
    } finally {
      probe.wakers.delete(wake);
    }
    const spread = Math.floor(this.#random() * probe.spreadMs);
    if (spread > 0) await this.#clock.sleep(Math.min(spread, Math.max(0, left - 1)), signal);
    return true;
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
