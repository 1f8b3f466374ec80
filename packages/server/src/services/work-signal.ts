/**
 * Wakes long-polling claims when work may have become runnable (tasks added, retried, requeued, a job enabled,
 * a parent task finished). Waiters also wake on their own deadline, so a missed signal only costs latency.
 * In-process only; a shared store across several servers adds its own notifications on top.
 */
export class WorkSignal {
  private waiters = new Set<() => void>();

  /** Something may be runnable now. */
  notify(): void {
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
