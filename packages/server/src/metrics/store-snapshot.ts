/**
 * The store figures `/metrics` reports (tasks by state, nodes by state, task slots), read from the store at most
 * once per refresh interval whatever the number of scrapers: counting tasks scans the task table, and sixteen
 * scrapers doing it on every scrape of a 100k-task store made signed Batch calls wait hundreds of milliseconds.
 * Concurrent scrapes of a stale snapshot share one refresh.
 */
import { COMPUTE_NODE_STATES, TASK_STATES } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import type { Store } from '../store/store.js';

export const DEFAULT_STORE_SNAPSHOT = Object.freeze({
  /** Longest a scrape may see old store figures; Prometheus' default scrape interval is 60 s. */
  refreshMs: 5_000,
});

export interface StoreFigures {
  tasks: Record<string, number>;
  nodes: Record<string, number>;
  slots: { busy: number; free: number };
}

export class StoreSnapshot {
  private figures: StoreFigures | undefined;
  private takenAtMs = 0;
  private refreshing: Promise<StoreFigures> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly refreshMs: number = DEFAULT_STORE_SNAPSHOT.refreshMs,
  ) {}

  /** The figures, read again only when older than the refresh interval. */
  get(): Promise<StoreFigures> {
    if (this.figures !== undefined && this.clock.now() - this.takenAtMs < this.refreshMs) {
      return Promise.resolve(this.figures);
    }
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<StoreFigures> {
    const counts = await this.store.countAllTasks();
    const nodes = await this.store.listAllNodes();
    const tasks: Record<string, number> = {};
    for (const state of TASK_STATES) tasks[state] = counts[state] ?? 0;
    const byState: Record<string, number> = {};
    for (const state of COMPUTE_NODE_STATES) byState[state] = 0;
    let busy = 0;
    let total = 0;
    for (const node of nodes) {
      const state = node.entity.state ?? 'unknown';
      byState[state] = (byState[state] ?? 0) + 1;
      if (state === 'idle' || state === 'running') {
        busy += node.entity.runningTaskSlotsCount ?? 0;
        total += node.internal.slots;
      }
    }
    this.figures = { tasks, nodes: byState, slots: { busy, free: Math.max(0, total - busy) } };
    this.takenAtMs = this.clock.now();
    return this.figures;
  }
}
