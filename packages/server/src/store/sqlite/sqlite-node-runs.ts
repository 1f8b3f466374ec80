/**
 * The transactions that change what a node holds and account the node with it (store.ts, `NodeAccounting`):
 * a node's claim and the end of a run. Each body runs inside the caller's SQLite transaction.
 */
import { idKey } from '@batchite/protocol';
import { leaseNodeKey, nodeColumns, taskColumns } from '../columns.js';
import type { NodeDoc, TaskDoc } from '../documents.js';
import type { Stamp } from '../etag.js';
import type {
  ClaimPolicy,
  HeldTasks,
  Mutator,
  NodeAccounting,
  NodeClaim,
  NodeClaimRequest,
  RunCompletion,
} from '../store.js';
import { claimInTransaction, type StartedTask } from './sqlite-claim.js';
import type { Statements } from './sqlite-statements.js';

/** What the bodies need from the store: its statements and its eTag ranges. */
export interface SqliteWriter {
  readonly statements: Statements;
  /** Takes `count` eTags in one statement. */
  stamps(count: number): Stamp;
}

function writeTask(writer: SqliteWriter, jobKey: string, doc: TaskDoc): void {
  writer.statements.updateTask.run(taskColumns(jobKey, doc));
}

/** Stamps and writes the tasks a claim started; `extra` more eTags are taken for the caller's own writes. */
export function writeStarted(
  writer: SqliteWriter,
  started: readonly StartedTask[],
  extra = 0,
): { tasks: TaskDoc[]; stamp: Stamp } {
  const stamp = writer.stamps(started.length + extra);
  const tasks = started.map(({ jobKey, task }) => {
    const doc = stamp(task);
    writeTask(writer, jobKey, doc);
    return doc;
  });
  return { tasks, stamp };
}

function held(writer: SqliteWriter, node: NodeAccounting): HeldTasks {
  return writer.statements.heldCounts.get(leaseNodeKey(node.poolId, node.nodeId)) ?? { tasks: 0, slots: 0 };
}

function readNode(writer: SqliteWriter, node: NodeAccounting): NodeDoc | undefined {
  const row = writer.statements.getNode.get(idKey(node.poolId), idKey(node.nodeId));
  return row === undefined ? undefined : (JSON.parse(row.doc) as NodeDoc);
}

function writeNode(writer: SqliteWriter, stamp: Stamp, accounted: NodeDoc): NodeDoc {
  const written = stamp(accounted);
  writer.statements.updateNode.run(nodeColumns(written));
  return written;
}

export function claimForNodeInTransaction(
  writer: SqliteWriter,
  node: NodeAccounting,
  request: NodeClaimRequest,
  policy: ClaimPolicy,
): NodeClaim | undefined {
  const current = readNode(writer, node);
  if (current === undefined) return undefined;
  const before = node.account(current, held(writer, node));
  const freeSlots = request.freeSlots(before ?? current);
  const nodeSlots = (before ?? current).internal.slots;
  const claim = { poolId: node.poolId, nodeId: node.nodeId, freeSlots, nodeSlots, now: request.now };
  const started = freeSlots > 0 ? claimInTransaction(writer.statements, claim, policy) : [];
  if (started.length === 0) {
    if (before === undefined) return { node: current, tasks: [] };
    return { node: writeNode(writer, writer.stamps(1), before), tasks: [] };
  }
  const { tasks, stamp } = writeStarted(writer, started, 1);
  const after = node.account(current, held(writer, node));
  return { node: after === undefined ? current : writeNode(writer, stamp, after), tasks };
}

export function completeInTransaction<R>(
  writer: SqliteWriter,
  jobKey: string,
  taskKey: string,
  mutator: Mutator<TaskDoc, R>,
  node: NodeAccounting,
): RunCompletion<R> | undefined {
  const row = writer.statements.getTask.get(jobKey, taskKey);
  if (row === undefined) return undefined;
  const mutation = mutator(JSON.parse(row.doc) as TaskDoc);
  if (mutation.next === undefined) return mutation;
  const current = readNode(writer, node);
  const stamp = writer.stamps(current === undefined ? 1 : 2);
  const next = stamp(mutation.next);
  writeTask(writer, jobKey, next);
  if (current === undefined) return { next, result: mutation.result };
  const accounted = node.account(current, held(writer, node), next);
  const written = accounted === undefined ? current : writeNode(writer, stamp, accounted);
  return { next, result: mutation.result, node: written };
}
