/**
 * `Store.placeGangTasks` on SQLite: the body of one transaction (SQLite has one writer, so the pool's nodes
 * cannot change under it). Gang tasks are found by their `multiInstanceSettings`, in insertion order per job.
 */
import { idKey } from '@batchite/protocol';
import { nodeColumns, taskColumns } from '../columns.js';
import type { JobDoc, NodeDoc, TaskDoc } from '../documents.js';
import { GangBoard } from '../gang-board.js';
import type { GangPlacement, GangPolicy, GangRequest } from '../store.js';
import { memoizedRanges } from '../task-ranges.js';
import { CLAIM_SCAN_LIMIT } from './sqlite-claim.js';
import type { SqliteWriter } from './sqlite-node-runs.js';
import { rangeIsSatisfied } from './sqlite-task-ranges.js';

/** Most nodes of one pool a placement considers. */
const MAX_POOL_NODES = 100_000;

function parse<D>(row: { doc: string } | undefined): D | undefined {
  return row === undefined ? undefined : (JSON.parse(row.doc) as D);
}

interface Placed {
  jobKey: string;
  task: TaskDoc;
  hosts: number[];
}

/** The placements of one job's gang tasks on the board. */
function placeFromJob(
  writer: SqliteWriter,
  board: GangBoard,
  job: JobDoc,
  request: GangRequest,
  policy: GangPolicy,
): Placed[] {
  const { statements } = writer;
  const jobKey = idKey(job.entity.id);
  let allowance = policy.jobAllowance(job, statements.runningCount.get(jobKey)?.n ?? 0);
  const placed: Placed[] = [];
  if (allowance <= 0) return placed;
  const lookup = (taskId: string) => parse<TaskDoc>(statements.getTask.get(jobKey, idKey(taskId)));
  const range = memoizedRanges((start, end) => rangeIsSatisfied(statements.ranges, jobKey, start, end));
  for (const row of statements.gangCandidates.iterate(jobKey, request.now, CLAIM_SCAN_LIMIT)) {
    const task = JSON.parse(row.doc) as TaskDoc;
    if (!policy.runnable(task, job, lookup, range)) continue;
    const result = board.place(task, job, policy);
    if (result === undefined) continue;
    placed.push({ jobKey, ...result });
    if (--allowance <= 0) break;
  }
  return placed;
}

export function placeGangsInTransaction(
  writer: SqliteWriter,
  request: GangRequest,
  policy: GangPolicy,
): GangPlacement[] {
  const poolKey = idKey(request.poolId);
  const nodes = writer.statements.listNodes
    .all(poolKey, '', MAX_POOL_NODES)
    .map((row) => JSON.parse(row.doc) as NodeDoc);
  const board = new GangBoard(nodes);
  const placed: Placed[] = [];
  for (const row of writer.statements.activePoolJobs.all(poolKey)) {
    placed.push(...placeFromJob(writer, board, JSON.parse(row.doc) as JobDoc, request, policy));
  }
  if (placed.length === 0) return [];
  const changed = board.changedIndexes();
  const stamp = writer.stamps(placed.length + changed.length);
  const written = new Map<number, NodeDoc>();
  for (const index of changed) {
    const doc = stamp(board.node(index));
    writer.statements.updateNode.run(nodeColumns(doc));
    written.set(index, doc);
  }
  return placed.map(({ jobKey, task, hosts }) => {
    const doc = stamp(task);
    writer.statements.updateTask.run(taskColumns(jobKey, doc));
    return { task: doc, nodes: hosts.map((index) => written.get(index) as NodeDoc) };
  });
}
