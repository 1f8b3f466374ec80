/**
 * `Store.placeGangTasks` on PostgreSQL. Locks, in the adapter's order (postgres-sql.ts): every node row of the
 * pool `FOR UPDATE` in key order first — two placements take turns, and a claim or completion on one of the
 * nodes (which holds only its own node row) finishes before or after, never in between — then each job row as
 * a claim does, then the job's gang tasks `FOR UPDATE SKIP LOCKED` (never waiting for a claim that looks at them).
 */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import type { JobDoc, NodeDoc, TaskDoc } from '../documents.js';
import { GangBoard } from '../gang-board.js';
import type { GangPlacement, GangPolicy, GangRequest } from '../store.js';
import { CLAIM_SCAN_LIMIT, lockJob } from './postgres-claim.js';
import { nodeValues, writeStarted, type PostgresWriter } from './postgres-node-runs.js';
import { SQL, type DocRow, type LockedRow } from './postgres-sql.js';
import { TaskLookup } from './postgres-task-lookup.js';
import { rowsOf } from './postgres-transaction.js';

interface Placed {
  jobKey: string;
  task: TaskDoc;
  hosts: number[];
}

async function placeFromJob(
  client: PoolClient,
  board: GangBoard,
  job: JobDoc,
  request: GangRequest,
  policy: GangPolicy,
): Promise<Placed[]> {
  const jobKey = idKey(job.entity.id);
  const [count] = await rowsOf<{ n: number }>(client, SQL.runningCount, [jobKey]);
  let allowance = policy.jobAllowance(job, count?.n ?? 0);
  const placed: Placed[] = [];
  if (allowance <= 0) return placed;
  const lookup = new TaskLookup(client, jobKey);
  const rows = await rowsOf<DocRow>(client, SQL.lockGangCandidates, [jobKey, request.now, CLAIM_SCAN_LIMIT]);
  for (const row of rows) {
    const task = JSON.parse(row.doc) as TaskDoc;
    if (!(await lookup.runnable(policy, task, job))) continue;
    const result = board.place(task, job, policy);
    if (result === undefined) continue;
    placed.push({ jobKey, ...result });
    if (--allowance <= 0) break;
  }
  return placed;
}

export async function placeGangsInTransaction(
  client: PoolClient,
  writer: PostgresWriter,
  request: GangRequest,
  policy: GangPolicy,
): Promise<GangPlacement[]> {
  const poolKey = idKey(request.poolId);
  const locked = await rowsOf<LockedRow>(client, SQL.lockPoolNodes, [poolKey]);
  const board = new GangBoard(locked.map((row) => JSON.parse(row.doc) as NodeDoc));
  const placed: Placed[] = [];
  for (const row of await rowsOf<DocRow>(client, SQL.claimableJobs, [poolKey, request.now])) {
    const job = await lockJob(client, JSON.parse(row.doc) as JobDoc, poolKey, policy);
    if (job !== undefined) placed.push(...(await placeFromJob(client, board, job, request, policy)));
  }
  if (placed.length === 0) return [];
  const written = new Map<number, NodeDoc>();
  for (const index of board.changedIndexes()) {
    const doc = writer.stamp(board.node(index), locked[index]?.etag ?? 0);
    await rowsOf(client, SQL.updateNode, nodeValues(doc));
    written.set(index, doc);
  }
  const tasks = await writeStarted(client, writer, placed);
  return placed.map(({ hosts }, index) => ({
    task: tasks[index] as TaskDoc,
    nodes: hosts.map((host) => written.get(host) as NodeDoc),
  }));
}
