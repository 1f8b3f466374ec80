/**
 * `ClaimPolicy.runnable` reads other tasks of the job through a synchronous `lookup`, but PostgreSQL answers
 * asynchronously. So the policy runs against a cache: when it asked for a task the cache lacks, the missing
 * tasks are loaded in one query and the policy (pure, by contract) runs again, until it asks for nothing new.
 * The task's `dependsOn` ids are loaded ahead, a chunk per round: a hint that saves round trips, nothing more;
 * the answer is the policy's alone. Ranges are answered the same way, one indexed count per range.
 */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import type { JobDoc, TaskDoc } from '../documents.js';
import type { ClaimPolicy } from '../store.js';
import { SQL, type DocRow } from './postgres-sql.js';
import { rowsOf } from './postgres-transaction.js';
import { rangeIsSatisfied } from './postgres-task-ranges.js';

/** Most hinted ids loaded per round trip. */
const PREFETCH_CHUNK = 1000;

/** The ids a task names in `dependsOn.taskIds`, in the order a dependency check reads them. */
function* dependencyKeys(task: TaskDoc): Generator<string> {
  for (const id of task.entity.dependsOn?.taskIds ?? []) yield idKey(id);
}

export class TaskLookup {
  /** Tasks of the job by key as this transaction sees them; null = known not to exist. */
  private readonly cache = new Map<string, TaskDoc | null>();
  /** Range answers by `start:end`. Tasks this claim starts were active and are now running: neither
   * satisfies, so an answer stays true for the whole transaction. */
  private readonly ranges = new Map<string, boolean>();

  constructor(
    private readonly client: PoolClient,
    private readonly jobKey: string,
  ) {}

  /** A task this claim started: later lookups see it as the transaction will have written it. */
  remember(task: TaskDoc): void {
    this.cache.set(idKey(task.entity.id), task);
  }

  async runnable(policy: Pick<ClaimPolicy, 'runnable'>, task: TaskDoc, job: JobDoc): Promise<boolean> {
    const hints = dependencyKeys(task);
    for (;;) {
      const missing = new Set<string>();
      const missingRanges: [number, number][] = [];
      const lookup = (taskId: string) => {
        const key = idKey(taskId);
        const hit = this.cache.get(key);
        if (hit === undefined) missing.add(key);
        return hit ?? undefined;
      };
      const range = (start: number, end: number) => {
        const hit = this.ranges.get(`${start}:${end}`);
        if (hit === undefined) missingRanges.push([start, end]);
        return hit ?? false;
      };
      const verdict = policy.runnable(task, job, lookup, range);
      if (missing.size === 0 && missingRanges.length === 0) return verdict;
      if (missing.size > 0) await this.load([...missing, ...this.nextHints(hints, PREFETCH_CHUNK)]);
      for (const [start, end] of missingRanges) {
        this.ranges.set(`${start}:${end}`, await rangeIsSatisfied(this.client, this.jobKey, start, end));
      }
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
