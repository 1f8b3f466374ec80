/**
 * Nodes are agents that pull work (docs/node-api.md). A node's heartbeat renews the lease on all the tasks it
 * holds; when it stops (agent killed, host cut off) the reaper marks it `offline` and puts its tasks back to
 * `active` without spending a retry.
 *
 * Node states: idle (nothing running) ⇄ running (≥ 1 task) → offline (lease expired; back to idle/running on
 * the next heartbeat) ; leavingpool while it drains before leaving ; rebooting/reimaging from a reboot or
 * reimage order until its agent registers again (node-restart.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ComputeNode, TaskInformation } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { NodeDoc, NodeUserRecord, TaskDoc } from '../store/documents.js';
import type { HeldTasks, NodeAccounting } from '../store/store.js';
import { hostedSubtasks, releaseGang } from './gang-runs.js';
import { imageAfterRegistration, restartingState } from './node-restart.js';
import { getPool, recordPoolNodes } from './pools-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { recordNodeJoined, recordNodeLeft } from './node-usage.js';
import { startTaskForBoot, startTaskNodeState } from './start-task-service.js';
import { onNode, recoveredFromLostNode } from './task-lifecycle.js';

export interface RegisterRequest {
  nodeId?: string;
  hostname: string;
  slots?: number;
  agentVersion?: string;
  ipAddress?: string;
  /** The node serves its own task files here (remote agents). */
  fileUrl?: string;
  /** The agent can create operating-system users (node user accounts). */
  manageUsers?: boolean;
}

/** Most recent tasks kept on a node (ComputeNode.recentTasks). */
const RECENT_TASKS = 10;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newNodeId(): string {
  return `tvmps_${randomBytes(16).toString('hex')}`;
}

function freshNode(
  nodeId: string,
  request: RegisterRequest,
  vmSize: string,
  now: string,
): ComputeNode & { id: string } {
  return {
    id: nodeId,
    state: 'idle',
    schedulingState: 'enabled',
    stateTransitionTime: now,
    lastBootTime: now,
    allocationTime: now,
    ipAddress: request.ipAddress ?? '127.0.0.1',
    affinityId: `TVM:${nodeId}`,
    vmSize,
    totalTasksRun: 0,
    totalTasksSucceeded: 0,
    runningTasksCount: 0,
    runningTaskSlotsCount: 0,
    isDedicated: true,
    recentTasks: [],
    nodeAgentInfo: { version: request.agentVersion ?? 'unknown', lastUpdateTime: now },
    endpointConfiguration: { inboundEndpoints: [] },
  };
}

/** Adds a node to a pool (or re-admits a restarted agent under its old id, requeueing what it held). */
export async function registerNode(
  context: ServiceContext,
  poolId: string,
  request: RegisterRequest,
): Promise<{ node: NodeDoc; token: string }> {
  const pool = await getPool(context, poolId);
  if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
  const nodeId = request.nodeId ?? newNodeId();
  const existing = await context.store.findNode(nodeId);
  if (existing !== undefined && existing.poolId.toLowerCase() !== pool.entity.id.toLowerCase()) {
    throw apiError('OperationNotValidOnNode', {
      message: `Node ${nodeId} already belongs to pool ${existing.poolId}.`,
    });
  }
  const token = randomBytes(24).toString('base64url');
  const files =
    request.fileUrl === undefined
      ? {}
      : { fileUrl: request.fileUrl, fileToken: randomBytes(24).toString('base64url') };
  const slots = request.slots ?? pool.entity.taskSlotsPerNode ?? 1;
  const now = isoNow(context);
  // Every registration is a boot: the node runs the pool's start task as it is now, and waits in `starting`.
  const startTask = startTaskForBoot(pool);
  const entity = freshNode(nodeId, request, pool.entity.vmSize ?? 'local', now);
  const doc: NodeDoc = {
    poolId: pool.entity.id,
    entity: {
      ...(startTask === undefined
        ? entity
        : { ...entity, state: 'starting' as const, startTask: startTask.spec }),
      // An operator's disablescheduling outlives the agent's restart, as it outlives a Batch node's reboot.
      ...(existing?.entity.schedulingState === 'disabled' ? { schedulingState: 'disabled' as const } : {}),
    },
    internal: {
      tokenHash: hashToken(token),
      slots,
      leaseExpiresAt: context.clock.now() + context.leases.leaseMs,
      ...files,
      ...(startTask === undefined ? {} : { startTask }),
      ...(request.manageUsers === true ? { manageUsers: true } : {}),
      ...usersAfterBoot(existing),
    },
  };
  const imageId = imageAfterRegistration(existing);
  if (imageId !== undefined) doc.internal.imageId = imageId;
  // Registering again replaces the node in one write: it never disappears from GETs meanwhile (a reboot).
  const replaced =
    existing === undefined
      ? undefined
      : await context.store.mutateNode(existing.poolId, nodeId, () => ({ next: doc, result: undefined }));
  const stored = replaced?.next ?? (await context.store.insertNode(doc));
  if (stored === undefined)
    throw apiError('OperationNotValidOnNode', { message: `Node ${nodeId} is registering twice.` });
  // Requeued only now that the new document is in place: a multi-instance task placed again at once (on other
  // nodes' claims) must find this node's fresh document, not write its instance into the one replaced here.
  if (existing !== undefined) await recoverNodeTasks(context, existing);
  await recordNodeJoined(context, stored, pool.entity.vmSize ?? 'local');
  await syncPoolNodeCount(context, pool.entity.id);
  context.work.notify();
  context.events.emit('nodeJoined', pool.entity.id, nodeId);
  return { node: stored, token };
}

/**
 * The node user accounts a registering node keeps: a reboot keeps them (the accounts are on its disk), a
 * reimage does not (its agent removed them, as a new OS disk would).
 */
function usersAfterBoot(previous: NodeDoc | undefined): { users?: NodeUserRecord[] } {
  const users = previous?.internal.users;
  if (users === undefined || users.length === 0 || previous?.internal.restart?.kind === 'reimage') return {};
  return { users };
}

/** Checks `Authorization: BatchiteNode <nodeId>:<token>` against the node named in the path. */
export async function authenticateNode(
  context: ServiceContext,
  nodeId: string,
  authorization: string | undefined,
): Promise<NodeDoc> {
  const match = /^BatchiteNode ([^:\s]+):(\S+)$/.exec(authorization ?? '');
  if (!match || match[1] !== nodeId) {
    throw apiError('AuthenticationFailed', {
      values: [{ key: 'AuthenticationErrorDetail', value: 'Expected BatchiteNode <nodeId>:<token>.' }],
    });
  }
  const node = await context.store.findNode(nodeId);
  if (node === undefined) throw apiError('NodeNotFound');
  const expected = Buffer.from(node.internal.tokenHash ?? '', 'hex');
  const actual = Buffer.from(hashToken(match[2] as string), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw apiError('AuthenticationFailed', {
      values: [
        {
          key: 'AuthenticationErrorDetail',
          value: 'The node token is not valid (the node may have registered again).',
        },
      ],
    });
  }
  return node;
}

/**
 * Node state from what it holds: running when it runs anything, idle otherwise, unless its start task holds it
 * back (start-task-service.ts).
 */
function nodeStateFor(node: NodeDoc, held: HeldTasks): NonNullable<ComputeNode['state']> {
  if (node.entity.state === 'leavingpool') return 'leavingpool';
  // Rebooting/reimaging lasts until the agent registers again, whatever it still runs meanwhile.
  const restarting = restartingState(node);
  if (restarting !== undefined) return restarting;
  const startTask = startTaskNodeState(node);
  if (startTask !== undefined) return startTask;
  return held.tasks > 0 ? 'running' : 'idle';
}

function recentTask(task: TaskDoc, accountUrl: string): TaskInformation {
  return {
    taskUrl: `${accountUrl}/jobs/${task.jobId}/tasks/${task.entity.id}`,
    jobId: task.jobId,
    taskId: task.entity.id,
    taskState: task.entity.state ?? 'completed',
    ...(task.entity.executionInfo === undefined ? {} : { executionInfo: task.entity.executionInfo }),
  };
}

export interface NodeRefresh {
  /** Extend the node's lease (a heartbeat or claim from the agent). */
  renew?: boolean;
}

/** True when a refresh would write nothing new (state, counters and lease as stored). */
function unchangedNode(current: NodeDoc, next: NodeDoc): boolean {
  const a = current.entity;
  const b = next.entity;
  return (
    a.state === b.state &&
    a.runningTasksCount === b.runningTasksCount &&
    a.runningTaskSlotsCount === b.runningTaskSlotsCount &&
    a.totalTasksRun === b.totalTasksRun &&
    current.internal.leaseExpiresAt === next.internal.leaseExpiresAt
  );
}

/**
 * The node's accounting, applied by the store in the transaction that changes what the node holds: running
 * counts and state recomputed from the tasks it holds (so they heal themselves), the lease renewed on request,
 * and a finished run counted.
 */
export function nodeAccounting(
  context: ServiceContext,
  node: NodeDoc,
  change: NodeRefresh,
  accountUrl: string,
): NodeAccounting {
  return {
    poolId: node.poolId,
    nodeId: node.entity.id,
    account(current, counted, finished) {
      // Subtasks of multi-instance tasks hold a slot here without a lease (gang-runs.ts).
      const subtasks = hostedSubtasks(current);
      const held = { ...counted, tasks: counted.tasks + subtasks, slots: counted.slots + subtasks };
      let entity = transition(current.entity, nodeStateFor(current, held), isoNow(context));
      entity = { ...entity, runningTasksCount: held.tasks, runningTaskSlotsCount: held.slots };
      if (finished !== undefined) {
        const succeeded = finished.entity.executionInfo?.result === 'success';
        entity.totalTasksRun = (entity.totalTasksRun ?? 0) + 1;
        if (succeeded) entity.totalTasksSucceeded = (entity.totalTasksSucceeded ?? 0) + 1;
        entity.recentTasks = [recentTask(finished, accountUrl), ...(entity.recentTasks ?? [])].slice(
          0,
          RECENT_TASKS,
        );
      }
      const internal = { ...current.internal };
      // Renewing writes the node; do it only once half the lease has passed, so busy nodes don't write per call.
      const now = context.clock.now();
      const expires = current.internal.leaseExpiresAt ?? 0;
      if (change.renew === true && expires - now < context.leases.leaseMs / 2) {
        internal.leaseExpiresAt = now + context.leases.leaseMs;
      }
      const next = { ...current, entity, internal };
      return unchangedNode(current, next) ? undefined : next;
    },
  };
}

/** Recomputes a node's running counts from the tasks it holds, and renews its lease on request (heartbeats). */
export async function refreshNode(
  context: ServiceContext,
  node: NodeDoc,
  change: NodeRefresh,
  accountUrl: string,
): Promise<NodeDoc> {
  const tasks = await context.store.listTasksHeldBy(node.poolId, node.entity.id);
  const held = {
    tasks: tasks.length,
    slots: tasks.reduce((sum, t) => sum + (t.entity.requiredSlots ?? 1), 0),
  };
  const accounting = nodeAccounting(context, node, change, accountUrl);
  const mutation = await context.store.mutateNode(node.poolId, node.entity.id, (current) => ({
    next: accounting.account(current, held),
    result: current,
  }));
  if (mutation === undefined) throw apiError('NodeNotFound');
  return mutation.next ?? mutation.result;
}

/** Puts every task the node holds back to active (node lost or re-registered): no retry is spent. */
export async function recoverNodeTasks(context: ServiceContext, node: NodeDoc): Promise<number> {
  let recovered = 0;
  const held = await context.store.listTasksHeldBy(node.poolId, node.entity.id);
  // A multi-instance task whose subtask ran here goes back as a whole: its other nodes are released.
  const hosted = (node.internal.gangRuns ?? []).filter((run) => run.instance > 0);
  const keys = [
    ...held.map((task) => ({ jobId: task.jobId, taskId: task.entity.id, gang: undefined })),
    ...hosted.map((run) => ({ jobId: run.jobId, taskId: run.taskId, gang: run.token })),
  ];
  for (const key of keys) {
    const mutation = await context.store.mutateTask(key.jobId, key.taskId, (current) => {
      const lease = current.internal.lease;
      const mine =
        key.gang === undefined ? lease?.nodeId === node.entity.id : current.internal.gang?.token === key.gang;
      if (!onNode(current) || !mine) return { next: undefined, result: false };
      return { next: recoveredFromLostNode(current, isoNow(context)), result: true };
    });
    if (mutation?.result === true) {
      recovered++;
      context.events.emit('taskRequeued', 'node_lost');
      await releaseGang(context, mutation.next?.internal.gang, (other) =>
        refreshNode(context, other, {}, ''),
      );
    }
  }
  if (recovered > 0) context.work.notify();
  return recovered;
}

/** Marks nodes whose lease expired offline and requeues their tasks. Returns how many nodes were lost. */
export async function reapLostNodes(context: ServiceContext): Promise<number> {
  const lost = await context.store.listNodesWithExpiredLease(context.clock.now());
  for (const node of lost) {
    await context.store.mutateNode(node.poolId, node.entity.id, (current) => ({
      next: { ...current, entity: transition(current.entity, 'offline', isoNow(context)) },
      result: undefined,
    }));
    const requeued = await recoverNodeTasks(context, node);
    context.events.emit('nodeLost', node.poolId, node.entity.id, requeued);
  }
  return lost.length;
}

/**
 * The node leaves its pool: what it still holds is requeued, the node record removed. `lastSeenMs`: when the node
 * was last known alive, for a node that died unseen (its usage ends there rather than now).
 */
export async function removeNodeFromPool(
  context: ServiceContext,
  node: NodeDoc,
  lastSeenMs?: number,
): Promise<void> {
  await recoverNodeTasks(context, node);
  context.nodeUsers.dropNode(node.entity.id, 'The node left the pool.');
  await context.store.removeNode(node.poolId, node.entity.id);
  await recordNodeLeft(context, node.poolId, node.entity.id, lastSeenMs);
  await syncPoolNodeCount(context, node.poolId);
}

/** The pool's currentDedicatedNodes is the number of nodes that joined and have not left. */
export async function syncPoolNodeCount(context: ServiceContext, poolId: string): Promise<void> {
  const nodes = await context.store.listNodes(poolId, { limit: 100_000 });
  await recordPoolNodes(context, poolId, nodes.length);
}
