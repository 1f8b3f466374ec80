/**
 * Pool operations besides add/resize/delete (Azure Batch REST reference: Pool - Patch, Update Properties, Stop
 * Resize, Remove Nodes):
 *
 *   patch             each property present replaces the pool's, absent ones are kept
 *   updateproperties  replaces every updatable property; an absent start task removes it
 *   stopresize        allocation `resizing ──► stopping ──► steady` at the nodes reached so far; the targets
 *                     become those counts and `resizeErrors` says `ResizeStopped`
 *   removenodes       only on a steady pool: the targets shrink by exactly the nodes named, allocation
 *                     `resizing` until they are gone; their running tasks go as `nodeDeallocationOption` says
 *
 * A start task changed here applies to nodes that join (or reboot) afterwards, as in Batch.
 */
import type {
  CloudPool,
  NodeRemoveParameter,
  PoolPatchParameter,
  PoolUpdatePropertiesParameter,
  ResizeError,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { NodeDoc, PoolDoc } from '../store/documents.js';
import type { EntityCheck } from './jobs-service.js';
import { canonicalDuration } from './jobs-service.js';
import { removeNodeFromPool, syncPoolNodeCount } from './nodes-service.js';
import { DEFAULT_RESIZE_TIMEOUT, getPool, poolNotFound } from './pools-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { endedByUser, onNode, requeuedByUser } from './task-lifecycle.js';
import { refusePoolUpdatable } from './unsupported-properties.js';
import { refuseAutoStorage } from './resource-file-orders.js';

type PoolEntity = CloudPool & { id: string };

async function changePool(
  context: ServiceContext,
  poolId: string,
  change: (pool: PoolDoc, now: string) => PoolDoc,
): Promise<PoolDoc> {
  const mutation = await context.store.mutatePool(poolId, (pool) => ({
    next: change(pool, isoNow(context)),
    result: undefined,
  }));
  if (mutation?.next === undefined) throw poolNotFound();
  context.events.emit('poolChanged', mutation.next.entity.id);
  return mutation.next;
}

function notDeleting(pool: PoolDoc): void {
  if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
}

/** The entity with `key` set to `value`, or without `key` when `value` is undefined. */
function withProperty<K extends keyof PoolEntity>(entity: PoolEntity, key: K, value: PoolEntity[K]) {
  const { [key]: _old, ...rest } = entity;
  return (value === undefined ? rest : { ...rest, [key]: value }) as PoolEntity;
}

export async function patchPool(
  context: ServiceContext,
  poolId: string,
  param: PoolPatchParameter,
  check: EntityCheck<CloudPool>,
): Promise<PoolDoc> {
  const refusal =
    refusePoolUpdatable(param) ?? refuseAutoStorage(context.storage, param.startTask?.resourceFiles);
  if (refusal !== undefined) throw refusal;
  return changePool(context, poolId, (pool) => {
    check(pool.entity);
    notDeleting(pool);
    return { ...pool, entity: { ...pool.entity, ...param } };
  });
}

export async function updatePoolProperties(
  context: ServiceContext,
  poolId: string,
  param: PoolUpdatePropertiesParameter,
  check: EntityCheck<CloudPool>,
): Promise<PoolDoc> {
  const refusal =
    refusePoolUpdatable(param) ?? refuseAutoStorage(context.storage, param.startTask?.resourceFiles);
  if (refusal !== undefined) throw refusal;
  return changePool(context, poolId, (pool) => {
    check(pool.entity);
    notDeleting(pool);
    let entity = withProperty(pool.entity, 'startTask', param.startTask);
    entity = withProperty(entity, 'targetNodeCommunicationMode', param.targetNodeCommunicationMode);
    entity = {
      ...entity,
      certificateReferences: param.certificateReferences,
      applicationPackageReferences: param.applicationPackageReferences,
      metadata: param.metadata,
    };
    return { ...pool, entity };
  });
}

const RESIZE_STOPPED: ResizeError = {
  code: 'ResizeStopped',
  message: 'The resize operation was stopped: the pool keeps the nodes it had reached.',
};

export async function stopPoolResize(
  context: ServiceContext,
  poolId: string,
  check: EntityCheck<CloudPool>,
): Promise<PoolDoc> {
  const stopped = await changePool(context, poolId, (pool, now) => {
    check(pool.entity);
    notDeleting(pool);
    if (pool.entity.allocationState !== 'resizing') {
      throw apiError('OperationInvalidForCurrentState', {
        values: [{ key: 'Reason', value: 'The pool is not resizing.' }],
      });
    }
    const { grantedNodes: _granted, settledNodes: _settled, ...internal } = pool.internal ?? {};
    const entity: PoolEntity = {
      ...pool.entity,
      targetDedicatedNodes: pool.entity.currentDedicatedNodes ?? 0,
      targetLowPriorityNodes: pool.entity.currentLowPriorityNodes ?? 0,
      resizeErrors: [RESIZE_STOPPED],
      allocationState: 'stopping',
      allocationStateTransitionTime: now,
    };
    return { entity, internal };
  });
  // `stopping` lasts until the node count is recorded again: then allocation is steady at what was reached.
  context.background(`stop resize of ${poolId}`, () => syncPoolNodeCount(context, poolId));
  return stopped;
}

async function nodesToRemove(context: ServiceContext, poolId: string, nodeList: readonly string[]) {
  const nodes: NodeDoc[] = [];
  for (const nodeId of new Set(nodeList)) {
    const node = await context.store.getNode(poolId, nodeId);
    if (node === undefined) {
      throw apiError('NodeNotFound', {
        message: `The node ${nodeId} named in nodeList does not exist in the pool.`,
        values: [{ key: 'NodeId', value: nodeId }],
      });
    }
    if (!nodes.some((known) => known.entity.id === node.entity.id)) nodes.push(node);
  }
  return nodes;
}

export async function removePoolNodes(
  context: ServiceContext,
  poolId: string,
  param: NodeRemoveParameter,
  check: EntityCheck<CloudPool>,
): Promise<PoolDoc> {
  await getPool(context, poolId);
  const nodes = await nodesToRemove(context, poolId, param.nodeList);
  const removing = await changePool(context, poolId, (pool, now) => {
    check(pool.entity);
    notDeleting(pool);
    if (pool.entity.allocationState !== 'steady') throw apiError('PoolBeingResized');
    const dedicated = nodes.filter((node) => node.entity.isDedicated !== false).length;
    const lowPriority = nodes.length - dedicated;
    const { resizeErrors: _last, ...current } = pool.entity;
    const entity: PoolEntity = {
      ...current,
      targetDedicatedNodes: Math.max(0, (current.targetDedicatedNodes ?? 0) - dedicated),
      targetLowPriorityNodes: Math.max(0, (current.targetLowPriorityNodes ?? 0) - lowPriority),
      resizeTimeout: canonicalDuration(param.resizeTimeout, DEFAULT_RESIZE_TIMEOUT),
      allocationState: 'resizing',
      allocationStateTransitionTime: now,
    };
    const internal = {
      ...pool.internal,
      removeNodes: nodes.map((node) => node.entity.id),
      nodeDeallocationOption: param.nodeDeallocationOption ?? 'requeue',
    };
    return { entity, internal };
  });
  context.background(`remove nodes of ${poolId}`, () => finishNodeRemoval(context, poolId));
  return removing;
}

/**
 * Removes the nodes a removenodes request named: `requeue`/`terminate` end their running tasks (requeued with
 * requeueCount+1, or ended as TaskEnded) and remove them at once; `taskcompletion`/`retaineddata` mark them
 * `leavingpool` so they take no new task and leave when their agent has drained. Safe to run again.
 */
export async function finishNodeRemoval(context: ServiceContext, poolId: string): Promise<void> {
  const pool = await context.store.getPool(poolId);
  const listed = pool?.internal?.removeNodes ?? [];
  const option = pool?.internal?.nodeDeallocationOption ?? 'requeue';
  for (const nodeId of listed) {
    const node = await context.store.getNode(poolId, nodeId);
    if (node === undefined) continue;
    if (option === 'taskcompletion' || option === 'retaineddata') {
      await context.store.mutateNode(poolId, nodeId, (current) => ({
        next: { ...current, entity: transition(current.entity, 'leavingpool', isoNow(context)) },
        result: undefined,
      }));
      continue;
    }
    await endRunningTasks(context, node, option === 'terminate');
    await removeNodeFromPool(context, node);
  }
  await context.store.mutatePool(poolId, (current) => {
    const { removeNodes: _done, ...internal } = current.internal ?? {};
    return { next: { ...current, internal }, result: undefined };
  });
  await syncPoolNodeCount(context, poolId);
  context.events.emit('poolChanged', poolId);
}

/** Ends (or requeues) the tasks running on `node`; returns how many changed. */
export async function endRunningTasks(
  context: ServiceContext,
  node: NodeDoc,
  terminate: boolean,
  reason: 'pool_resize' | 'node_restart' | 'node_disable' = 'pool_resize',
): Promise<number> {
  let changed = 0;
  for (const task of await context.store.listTasksHeldBy(node.poolId, node.entity.id)) {
    const mutation = await context.store.mutateTask(task.jobId, task.entity.id, (current) =>
      onNode(current) && current.internal.lease?.nodeId === node.entity.id
        ? {
            next: (terminate ? endedByUser : requeuedByUser)(current, isoNow(context)),
            result: undefined,
          }
        : { next: undefined, result: undefined },
    );
    if (mutation?.next === undefined) continue;
    changed++;
    if (!terminate) context.events.emit('taskRequeued', reason);
  }
  context.work.notify();
  return changed;
}
