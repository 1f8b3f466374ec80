/**
 * A fake clock for tests: time moves only when the test calls `advance(ms)` or `runAll()`. Sleeps resolve in
 * time order as time passes; an abort rejects the sleep synchronously, as the system clock does.
 */
import type { Clock } from '../types.js';

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly detach: () => void;
}

/** Lets every queued promise callback run (one macrotask turn drains the microtask queue). */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The signal's reason (typed as Error for the linter; any value passes through unchanged). */
function abortReason(signal: AbortSignal): Error {
  return (signal.reason as Error | undefined) ?? new DOMException('This operation was aborted', 'AbortError');
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #watchers: Array<{ count: number; resolve: () => void }> = [];
  /** Every duration passed to `sleep`, in call order (for asserting delay sequences). */
  readonly sleepLog: number[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleepLog.push(ms);
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(sleeper);
        reject(abortReason(signal as AbortSignal));
      };
      const sleeper: Sleeper = {
        at: this.#now + ms,
        seq: this.#seq++,
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
      this.#notify();
    });
  }

  /** Sleeps not yet resolved or aborted. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /** When the earliest pending sleep ends, or undefined when nothing sleeps. */
  nextWakeAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /** Resolves once at least `count` sleeps are pending: "the code under test is now waiting". */
  sleeping(count = 1): Promise<void> {
    if (this.#sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#watchers.push({ count, resolve }));
  }

  /** Moves time forward by `ms`, waking sleeps in time order and letting each wake-up's callbacks run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    await flush();
    for (let next = this.#earliest(); next !== undefined && next.at <= target; next = this.#earliest()) {
      this.#now = next.at;
      this.#remove(next);
      next.resolve();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /** Advances until nothing sleeps any more; throws after `maxWakeUps` wake-ups (a loop that never ends). */
  async runAll(maxWakeUps = 10_000): Promise<void> {
    await flush();
    for (let i = 0; ; i++) {
      const next = this.#earliest();
      if (next === undefined) return;
      if (i >= maxWakeUps) throw new Error(`FakeClock.runAll: still sleeping after ${maxWakeUps} wake-ups`);
      await this.advance(next.at - this.#now);
    }
  }

  #earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.#sleepers) {
      if (best === undefined || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }

  #remove(sleeper: Sleeper): void {
    sleeper.detach();
    this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
  }

  #notify(): void {
    const ready = this.#watchers.filter((w) => this.#sleepers.length >= w.count);
    this.#watchers = this.#watchers.filter((w) => this.#sleepers.length < w.count);
    for (const w of ready) w.resolve();
  }
}
