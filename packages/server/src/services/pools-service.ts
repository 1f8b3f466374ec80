/**
 * Pools: `active ──delete──► deleting ──(nodes stopped)──► removed`; allocation `steady ──resize──► resizing ──►
 * steady` (early, with resizeErrors, on resizeTimeout or nodes that cannot be started: resize-end.ts).
 * Nodes are provided by a node provider (local agents); until one is attached a pool keeps the targets it was
 * given and reports the nodes that actually joined.
 */
import {
  DEFAULT_AUTOSCALE_INTERVAL,
  type CloudPool,
  type PoolAddParameter,
  type PoolResizeParameter,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { PoolDoc, PoolInternal } from '../store/documents.js';
import { poolUsageKey } from './statistics.js';
import { forgetSamples } from './autoscale-metrics.js';
import type { EntityCheck } from './jobs-service.js';
import { canonicalDuration } from './jobs-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { checkAutoScaleAdd, runAutoScale } from './pool-autoscale.js';
import { stopPoolNodes } from './pool-node-stops.js';
import { recordNodeLeft } from './node-usage.js';
import { onNode, requeuedByUser } from './task-lifecycle.js';
import { refuseSlurmShape } from './slurm-shape.js';
import { refusePoolProperties } from './unsupported-properties.js';
import { refuseAutoStorage } from './resource-file-orders.js';

export const DEFAULT_RESIZE_TIMEOUT = 'PT15M';

export function poolNotFound() {
  return apiError('PoolNotFound');
}

export async function addPool(context: ServiceContext, param: PoolAddParameter): Promise<PoolDoc> {
  const refusal =
    refusePoolProperties(param) ??
    refuseSlurmShape(param.vmSize) ??
    refuseAutoStorage(context.storage, param.startTask?.resourceFiles);
  if (refusal !== undefined) throw refusal;
  checkAutoScaleAdd(param);
  const now = isoNow(context);
  const entity: CloudPool & { id: string } = {
    ...param,
    creationTime: now,
    state: 'active',
    stateTransitionTime: now,
    allocationState: 'steady',
    allocationStateTransitionTime: now,
    resizeTimeout: canonicalDuration(param.resizeTimeout, DEFAULT_RESIZE_TIMEOUT),
    currentDedicatedNodes: 0,
    currentLowPriorityNodes: 0,
    targetDedicatedNodes: param.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: param.targetLowPriorityNodes ?? 0,
    enableAutoScale: param.enableAutoScale ?? false,
    ...(param.enableAutoScale === true && {
      autoScaleEvaluationInterval: param.autoScaleEvaluationInterval ?? DEFAULT_AUTOSCALE_INTERVAL,
    }),
    enableInterNodeCommunication: param.enableInterNodeCommunication ?? false,
    taskSlotsPerNode: param.taskSlotsPerNode ?? 1,
    taskSchedulingPolicy: param.taskSchedulingPolicy ?? { nodeFillType: 'spread' },
  };
  const stored = await context.store.insertPool({ entity: withAllocation(entity, now) });
  if (stored === undefined) throw apiError('PoolExists');
  context.events.emit('poolChanged', stored.entity.id);
  // Batch evaluates an autoscale pool's formula when the pool is created: it sets the first targets.
  return stored.entity.enableAutoScale === true ? runAutoScale(context, stored.entity.id) : stored;
}

export async function getPool(context: ServiceContext, poolId: string): Promise<PoolDoc> {
  const pool = await context.store.getPool(poolId);
  if (pool === undefined) throw poolNotFound();
  return pool;
}

async function changePool(
  context: ServiceContext,
  poolId: string,
  change: (pool: PoolDoc, now: string) => PoolDoc | undefined,
): Promise<PoolDoc> {
  const mutation = await context.store.mutatePool(poolId, (pool) => ({
    next: change(pool, isoNow(context)),
    result: undefined,
  }));
  if (mutation === undefined) throw poolNotFound();
  return mutation.next ?? (await getPool(context, poolId));
}

export async function resizePool(
  context: ServiceContext,
  poolId: string,
  param: PoolResizeParameter,
  check: EntityCheck<CloudPool>,
): Promise<PoolDoc> {
  const resized = await changePool(context, poolId, (pool, now) => {
    check(pool.entity);
    if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
    if (pool.entity.enableAutoScale === true) {
      throw apiError('OperationInvalidForCurrentState', {
        message: 'A pool with autoscale enabled cannot be resized manually.',
      });
    }
    if (pool.entity.allocationState !== 'steady') throw apiError('PoolBeingResized');
    // A new resize starts afresh: the last one's errors and quota grant no longer apply.
    const { resizeErrors: _lastErrors, ...current } = pool.entity;
    const { grantedNodes: _lastGrant, settledNodes: _lastSettled, ...internal } = pool.internal ?? {};
    const entity = {
      ...current,
      targetDedicatedNodes: param.targetDedicatedNodes ?? 0,
      targetLowPriorityNodes: param.targetLowPriorityNodes ?? 0,
      resizeTimeout: canonicalDuration(param.resizeTimeout, DEFAULT_RESIZE_TIMEOUT),
    };
    return {
      entity: withAllocation(entity, now),
      internal: { ...internal, nodeDeallocationOption: param.nodeDeallocationOption ?? 'requeue' },
    };
  });
  context.events.emit('poolChanged', resized.entity.id);
  return resized;
}

/**
 * `resizing` while fewer nodes have joined than the targets ask for, `steady` otherwise. Agents that join a pool
 * by themselves (`batchite agent`) may make it larger than its target; that is steady too. `granted`: what the
 * node quota allows when below the target (node-quota.ts); allocation settles there.
 */
export function withAllocation(
  entity: CloudPool & { id: string },
  now: string,
  granted?: number,
): CloudPool & { id: string } {
  const wanted = (entity.targetDedicatedNodes ?? 0) + (entity.targetLowPriorityNodes ?? 0);
  const target = granted === undefined ? wanted : Math.min(wanted, granted);
  const current = (entity.currentDedicatedNodes ?? 0) + (entity.currentLowPriorityNodes ?? 0);
  const allocationState = current < target ? 'resizing' : 'steady';
  if (entity.allocationState === allocationState) return entity;
  return { ...entity, allocationState, allocationStateTransitionTime: now };
}

/** The node count allocation settles at below the target: the quota's grant or where a resize ended early. */
export function allocationCap(internal: PoolInternal | undefined): number | undefined {
  const caps = [internal?.grantedNodes, internal?.settledNodes].filter((cap) => cap !== undefined);
  return caps.length === 0 ? undefined : Math.min(...caps);
}

/** Records how many nodes have joined the pool, moving allocationState between resizing and steady. */
export async function recordPoolNodes(
  context: ServiceContext,
  poolId: string,
  current: number,
): Promise<void> {
  await context.store.mutatePool(poolId, (pool) => {
    if (pool.entity.currentDedicatedNodes === current && pool.entity.currentLowPriorityNodes === 0) {
      const settled = withAllocation(pool.entity, isoNow(context), allocationCap(pool.internal));
      return { next: settled === pool.entity ? undefined : { ...pool, entity: settled }, result: undefined };
    }
    const entity = { ...pool.entity, currentDedicatedNodes: current, currentLowPriorityNodes: 0 };
    const settled = withAllocation(entity, isoNow(context), allocationCap(pool.internal));
    return { next: { ...pool, entity: settled }, result: undefined };
  });
}

export async function deletePool(
  context: ServiceContext,
  poolId: string,
  check: EntityCheck<CloudPool>,
): Promise<void> {
  const pool = await changePool(context, poolId, (current, now) => {
    check(current.entity);
    if (current.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
    return { ...current, entity: transition(current.entity, 'deleting', now) };
  });
  context.events.emit('poolChanged', pool.entity.id);
  context.background(`delete pool ${pool.entity.id}`, () => finishPoolDeletion(context, pool.entity.id));
}

/**
 * Removes a deleting pool: its nodes go `leavingpool` (they claim nothing more), the tasks running on them go
 * back to active with requeueCount+1 (Azure Batch REST reference: Pool - Delete), the nodes' processes are
 * stopped (pool-node-stops.ts), then the nodes and the pool are removed. Until then GET answers the pool in state
 * `deleting`. Safe to run again after a crash.
 */
export async function finishPoolDeletion(context: ServiceContext, poolId: string): Promise<void> {
  const nodes = await context.store.listNodes(poolId, { limit: 100_000 });
  for (const node of nodes) {
    await context.store.mutateNode(poolId, node.entity.id, (current) => ({
      next: { ...current, entity: transition(current.entity, 'leavingpool', isoNow(context)) },
      result: undefined,
    }));
    for (const task of await context.store.listTasksHeldBy(poolId, node.entity.id)) {
      const mutation = await context.store.mutateTask(task.jobId, task.entity.id, (current) =>
        onNode(current) && current.internal.lease?.nodeId === node.entity.id
          ? { next: requeuedByUser(current, isoNow(context)), result: undefined }
          : { next: undefined, result: undefined },
      );
      if (mutation?.next !== undefined) context.events.emit('taskRequeued', 'pool_delete');
    }
  }
  await stopPoolNodes(context, poolId);
  for (;;) {
    const left = await context.store.listNodes(poolId, { limit: 500 });
    if (left.length === 0) break;
    for (const node of left) {
      await context.store.removeNode(poolId, node.entity.id);
      await recordNodeLeft(context, poolId, node.entity.id);
    }
  }
  const pool = await context.store.getPool(poolId);
  await context.store.removePool(poolId);
  if (pool !== undefined) await context.store.removeUsage(poolUsageKey(pool));
  forgetSamples(context, poolId);
  context.work.notify();
}
