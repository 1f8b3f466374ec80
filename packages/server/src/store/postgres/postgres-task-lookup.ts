/**
 * `ClaimPolicy.runnable` reads other tasks of the job through a synchronous `lookup`, but PostgreSQL answers
 * asynchronously. So the policy runs against a cache: when it asked for a task the cache lacks, the missing
 * tasks are loaded in one query and the policy (pure, by contract) runs again, until it asks for nothing new.
 * The task's `dependsOn` ids are loaded ahead, a chunk per round: a hint that saves round trips, nothing more;
 * the answer is the policy's alone.
 */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import type { JobDoc, TaskDoc } from '../documents.js';
import type { ClaimPolicy } from '../store.js';
import { SQL, type DocRow } from './postgres-sql.js';
import { rowsOf } from './postgres-transaction.js';

/** Most hinted ids loaded per round trip. */
const PREFETCH_CHUNK = 1000;

/** The ids a task names in `dependsOn`, in the order a dependency check reads them (ranges lazily). */
function* dependencyKeys(task: TaskDoc): Generator<string> {
  const dependsOn = task.entity.dependsOn;
  for (const id of dependsOn?.taskIds ?? []) yield idKey(id);
  for (const range of dependsOn?.taskIdRanges ?? []) {
    for (let id = range.start; id <= range.end; id++) yield String(id);
  }
}

export class TaskLookup {
  /** Tasks of the job by key as this transaction sees them; null = known not to exist. */
  private readonly cache = new Map<string, TaskDoc | null>();

  constructor(
    private readonly client: PoolClient,
    private readonly jobKey: string,
  ) {}

  /** A task this claim started: later lookups see it as the transaction will have written it. */
  remember(task: TaskDoc): void {
    this.cache.set(idKey(task.entity.id), task);
  }

  async runnable(policy: ClaimPolicy, task: TaskDoc, job: JobDoc): Promise<boolean> {
    const hints = dependencyKeys(task);
    for (;;) {
      const missing = new Set<string>();
      const verdict = policy.runnable(task, job, (taskId) => {
        const key = idKey(taskId);
        const hit = this.cache.get(key);
        if (hit === undefined) missing.add(key);
        return hit ?? undefined;
      });
      if (missing.size === 0) return verdict;
      await this.load([...missing, ...this.nextHints(hints, PREFETCH_CHUNK)]);
    }
  }

  /** Up to `max` more hinted keys the cache lacks. */
  private nextHints(keys: Iterator<string>, max: number): string[] {
    const out: string[] = [];
    while (out.length < max) {
      const next = keys.next();
      if (next.done === true) break;
      if (!this.cache.has(next.value)) out.push(next.value);
    }
    return out;
  }

  private async load(keys: string[]): Promise<void> {
    const rows = await rowsOf<DocRow & { key: string }>(this.client, SQL.getTasks, [this.jobKey, keys]);
    for (const key of keys) this.cache.set(key, null);
    for (const row of rows) this.cache.set(row.key, JSON.parse(row.doc) as TaskDoc);
  }
}
