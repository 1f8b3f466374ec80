/**
 * Wakes long-polling claims when work may have become runnable (tasks added, retried, requeued, a job enabled,
 * a parent task finished). Waiters also wake on their own (jittered) poll, so a missed signal only costs
 * latency. With a store shared by several servers, `publish` tells the others (PostgreSQL NOTIFY) and their
 * notifications arrive through `wakeLocal`.
 */
export class WorkSignal {
  private waiters = new Set<() => void>();
  private signals = 0;

  constructor(private readonly publish?: () => void) {}

  /** Something may be runnable now: wake this server's waiters and tell the other servers. */
  notify(): void {
    this.wakeLocal();
    this.publish?.();
  }

  /**
   * How many signals there have been. A caller that checks for work and then waits reads it before checking:
   * if it changed by the time it would wait, a signal came in between and would be lost on a new waiter.
   */
  get generation(): number {
    return this.signals;
  }

  /** Wakes this server's waiters only (a notification from another server). */
  wakeLocal(): void {
    this.signals++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notify()`, when `timeout` settles, or when `signal` aborts. */
  wait(timeout: Promise<unknown>, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
      timeout.then(wake, wake);
    });
  }
}
