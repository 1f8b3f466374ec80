/**
 * Resizes that end before their target (Azure Batch REST reference: ResizeError, Pool - Resize):
 *
 *   resizing ──(resizeTimeout passed)──► steady   resizeErrors: AllocationTimedout
 *
 * The pool keeps the nodes that joined so far, its targets stay as asked, and no more nodes are started
 * until the next resize (which clears the errors and starts afresh).
 */
import { parseDuration, type ResizeError } from '@batchite/protocol';
import { allocationCap, withAllocation } from './pools-service.js';
import { isoNow, type ServiceContext } from './service-context.js';

export function allocationTimedOut(resizeTimeout: string): ResizeError {
  return {
    code: 'AllocationTimedout',
    message: `The pool did not reach its target within the resize timeout (${resizeTimeout}): it keeps the nodes that joined.`,
    values: [{ name: 'ResizeTimeout', value: resizeTimeout }],
  };
}

/**
 * Ends a running resize at the nodes reached so far with `error`. Does nothing when the pool is not resizing
 * (already steady, stopping, deleting or gone), so a late timeout never touches a newer resize.
 */
export async function endResize(
  context: ServiceContext,
  poolId: string,
  error: ResizeError,
): Promise<boolean> {
  const mutation = await context.store.mutatePool(poolId, (pool) => {
    if (pool.entity.state === 'deleting' || pool.entity.allocationState !== 'resizing') {
      return { next: undefined, result: undefined };
    }
    const reached = (pool.entity.currentDedicatedNodes ?? 0) + (pool.entity.currentLowPriorityNodes ?? 0);
    const internal = { ...pool.internal, settledNodes: reached };
    const entity = { ...pool.entity, resizeErrors: [...(pool.entity.resizeErrors ?? []), error] };
    return {
      next: { entity: withAllocation(entity, isoNow(context), allocationCap(internal)), internal },
      result: undefined,
    };
  });
  if (mutation?.next === undefined) return false;
  context.events.emit('poolChanged', poolId);
  return true;
}

/** Resizes running longer than their pool's resizeTimeout end with AllocationTimedout (maintenance). */
export async function expireResizes(context: ServiceContext): Promise<void> {
  const now = context.clock.now();
  for (const pool of await context.store.listPools({ limit: 100_000 })) {
    if (pool.entity.allocationState !== 'resizing' || pool.entity.state === 'deleting') continue;
    const timeout = pool.entity.resizeTimeout ?? '';
    const limit = parseDuration(timeout);
    const since = Date.parse(pool.entity.allocationStateTransitionTime ?? '');
    if (limit === undefined || Number.isNaN(since) || since + limit > now) continue;
    await endResize(context, pool.entity.id, allocationTimedOut(timeout));
  }
}
