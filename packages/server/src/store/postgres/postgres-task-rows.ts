/** Task rows as statement parameters: one row, many rows as parallel arrays (for `unnest`), and the batch insert. */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import type { TaskDoc } from '../documents.js';
import { taskColumns } from '../columns.js';
import { SQL } from './postgres-sql.js';
import { rowsOf } from './postgres-transaction.js';

/** Parameters of `SQL.updateTask`. */
export function taskValues(jobKey: string, doc: TaskDoc): unknown[] {
  const c = taskColumns(jobKey, doc);
  return [c.job_key, c.key, c.state, c.result, c.slots, c.lease_node, c.not_before, c.doc];
}

/** Parameters of `SQL.updateTasks`: one array per column. */
export function taskRowArrays(rows: readonly { jobKey: string; task: TaskDoc }[]): unknown[][] {
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const { jobKey, task } of rows) {
    taskValues(jobKey, task).forEach((value, index) => columns[index]?.push(value));
  }
  return columns;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Inserts a batch in one statement and answers per input task: the stored document, or undefined when the id
 * (case-insensitive) was taken, by an existing task or by an earlier one in the same batch. `seq` numbers are
 * handed out in input order, so claims start the batch's tasks in the order they were given.
 */
export async function insertTaskRows(
  client: PoolClient,
  jobKey: string,
  tasks: readonly TaskDoc[],
  stamp: (doc: TaskDoc, etag: string) => TaskDoc,
): Promise<(TaskDoc | undefined)[]> {
  const firsts: number[] = [];
  const seen = new Set<string>();
  tasks.forEach((task, index) => {
    const key = idKey(task.entity.id);
    if (!seen.has(key)) firsts.push(index);
    seen.add(key);
  });
  if (firsts.length === 0) return tasks.map(() => undefined);
  const numbers = await rowsOf<{ etag: string; seq: string }>(client, SQL.nextTaskNumbers, [firsts.length]);
  const seqs = numbers.map((row) => BigInt(row.seq)).sort(compareBigInt);
  const stamped = new Map<number, TaskDoc>();
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  firsts.forEach((index, n) => {
    const doc = stamp(tasks[index] as TaskDoc, numbers[n]?.etag ?? '0');
    stamped.set(index, doc);
    const c = taskColumns(jobKey, doc);
    const row = [c.key, c.state, c.result, c.slots, String(seqs[n]), c.lease_node, c.not_before, c.doc];
    row.forEach((value, column) => columns[column]?.push(value));
  });
  const inserted = await rowsOf<{ key: string }>(client, SQL.insertTasks, [jobKey, ...columns]);
  const keys = new Set(inserted.map((row) => row.key));
  return tasks.map((_, index) => {
    const doc = stamped.get(index);
    return doc !== undefined && keys.has(idKey(doc.entity.id)) ? doc : undefined;
  });
}
