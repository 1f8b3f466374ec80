/**
 * Pools: `active ──delete──► deleting ──(nodes gone)──► removed`; allocation `steady ──resize──► resizing ──► steady`.
 * Nodes are provided by a node provider (local agents); until one is attached a pool keeps the targets it was
 * given and reports the nodes that actually joined.
 */
import { type CloudPool, type PoolAddParameter, type PoolResizeParameter } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { PoolDoc } from '../store/documents.js';
import type { EntityCheck } from './jobs-service.js';
import { canonicalDuration } from './jobs-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';

export const DEFAULT_RESIZE_TIMEOUT = 'PT15M';

export function poolNotFound() {
  return apiError('PoolNotFound');
}

export async function addPool(context: ServiceContext, param: PoolAddParameter): Promise<PoolDoc> {
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
    enableInterNodeCommunication: param.enableInterNodeCommunication ?? false,
    taskSlotsPerNode: param.taskSlotsPerNode ?? 1,
    taskSchedulingPolicy: param.taskSchedulingPolicy ?? { nodeFillType: 'spread' },
  };
  const stored = await context.store.insertPool({ entity });
  if (stored === undefined) throw apiError('PoolExists');
  return stored;
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
  return changePool(context, poolId, (pool) => {
    check(pool.entity);
    if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
    if (pool.entity.enableAutoScale === true) {
      throw apiError('OperationInvalidForCurrentState', {
        message: 'A pool with autoscale enabled cannot be resized manually.',
      });
    }
    if (pool.entity.allocationState !== 'steady') throw apiError('PoolBeingResized');
    return {
      entity: {
        ...pool.entity,
        targetDedicatedNodes: param.targetDedicatedNodes ?? 0,
        targetLowPriorityNodes: param.targetLowPriorityNodes ?? 0,
        resizeTimeout: canonicalDuration(param.resizeTimeout, DEFAULT_RESIZE_TIMEOUT),
      },
    };
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
    return { entity: transition(current.entity, 'deleting', now) };
  });
  context.background(`delete pool ${pool.entity.id}`, () => context.store.removePool(pool.entity.id));
}
