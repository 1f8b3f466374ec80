/**
 * The transactions that change what a node holds and account the node with it (store.ts, `NodeAccounting`):
 * a node's claim and the end of a run. The node row is locked first (postgres-sql.ts: node, job, then tasks),
 * so a claim and a completion of the same node take turns and the node's counts stay true.
 */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import { leaseNodeKey, nodeColumns } from '../columns.js';
import type { NodeDoc, TaskDoc } from '../documents.js';
import type {
  ClaimPolicy,
  HeldTasks,
  Mutator,
  NodeAccounting,
  NodeClaim,
  NodeClaimRequest,
  RunCompletion,
} from '../store.js';
import { claimInTransaction, type StartedTask } from './postgres-claim.js';
import { SQL, type LockedRow } from './postgres-sql.js';
import { taskRowArrays, taskValues } from './postgres-task-rows.js';
import { rowsOf } from './postgres-transaction.js';

/** What the bodies need from the store. */
export interface PostgresWriter {
  /** Stamps a document with the eTag sequence value `etag` and the clock's time. */
  stamp<D extends { entity: object }>(doc: D, etag: string | number): D;
  /** NOTIFY inside the transaction (delivered at COMMIT). */
  notifyIn(client: PoolClient): Promise<void>;
}

interface LockedNode {
  doc: NodeDoc;
  etag: string;
}

/** Parameters of `SQL.insertNode` and `SQL.updateNode`. */
export function nodeValues(doc: NodeDoc): unknown[] {
  const c = nodeColumns(doc);
  return [c.pool_key, c.key, c.lease_expires, c.doc];
}

/** Stamps the tasks a claim started with one eTag range and writes them in one statement. */
export async function writeStarted(
  client: PoolClient,
  writer: PostgresWriter,
  started: readonly StartedTask[],
): Promise<TaskDoc[]> {
  if (started.length === 0) return [];
  const etags = await rowsOf<{ etag: string }>(client, SQL.nextEtags, [started.length]);
  const written = started.map(({ jobKey, task }, index) => ({
    jobKey,
    task: writer.stamp(task, etags[index]?.etag ?? 0),
  }));
  await rowsOf(client, SQL.updateTasks, taskRowArrays(written));
  return written.map(({ task }) => task);
}

async function held(client: PoolClient, node: NodeAccounting): Promise<HeldTasks> {
  const [row] = await rowsOf<HeldTasks>(client, SQL.heldCounts, [leaseNodeKey(node.poolId, node.nodeId)]);
  return row ?? { tasks: 0, slots: 0 };
}

/** Locks the node row and draws the eTag its write will carry. */
async function lockNode(client: PoolClient, node: NodeAccounting): Promise<LockedNode | undefined> {
  const [row] = await rowsOf<LockedRow>(client, SQL.lockNode, [idKey(node.poolId), idKey(node.nodeId)]);
  return row === undefined ? undefined : { doc: JSON.parse(row.doc) as NodeDoc, etag: row.etag };
}

/** Writes the node's accounted document (or keeps the stored one when nothing changed). */
async function writeAccounted(
  client: PoolClient,
  writer: PostgresWriter,
  locked: LockedNode,
  accounted: NodeDoc | undefined,
): Promise<NodeDoc> {
  if (accounted === undefined) return locked.doc;
  const written = writer.stamp(accounted, locked.etag);
  await rowsOf(client, SQL.updateNode, nodeValues(written));
  return written;
}

export async function claimForNodeInTransaction(
  client: PoolClient,
  writer: PostgresWriter,
  node: NodeAccounting,
  request: NodeClaimRequest,
  policy: ClaimPolicy,
): Promise<NodeClaim | undefined> {
  const locked = await lockNode(client, node);
  if (locked === undefined) return undefined;
  const before = node.account(locked.doc, await held(client, node));
  const freeSlots = request.freeSlots(before ?? locked.doc);
  const nodeSlots = (before ?? locked.doc).internal.slots;
  const claim = { poolId: node.poolId, nodeId: node.nodeId, freeSlots, nodeSlots, now: request.now };
  const started = freeSlots > 0 ? await claimInTransaction(client, claim, policy) : [];
  const tasks = await writeStarted(client, writer, started);
  const after = tasks.length === 0 ? before : node.account(locked.doc, await held(client, node));
  return { node: await writeAccounted(client, writer, locked, after), tasks };
}

export async function completeInTransaction<R>(
  client: PoolClient,
  writer: PostgresWriter,
  jobKey: string,
  taskKey: string,
  mutator: Mutator<TaskDoc, R>,
  node: NodeAccounting,
): Promise<RunCompletion<R> | undefined> {
  const locked = await lockNode(client, node);
  const [row] = await rowsOf<LockedRow>(client, SQL.lockTask, [jobKey, taskKey]);
  if (row === undefined) return undefined;
  const current = JSON.parse(row.doc) as TaskDoc;
  const mutation = mutator(current);
  if (mutation.next === undefined) return mutation;
  const next = writer.stamp(mutation.next, row.etag);
  await rowsOf(client, SQL.updateTask, taskValues(jobKey, next));
  // Retried: runnable again.
  if (next.entity.state === 'active' && current.entity.state !== 'active') await writer.notifyIn(client);
  if (locked === undefined) return { next, result: mutation.result };
  const accounted = node.account(locked.doc, await held(client, node), next);
  return { next, result: mutation.result, node: await writeAccounted(client, writer, locked, accounted) };
}
