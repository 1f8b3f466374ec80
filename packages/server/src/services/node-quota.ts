/**
 * The local node quota: how many agent processes the server runs for its pools, all pools together. A resize
 * beyond it is answered as Batch answers a resize beyond the account's core quota: the pool gets as many nodes
 * as the quota allows, `resizeErrors` names the quota code (`AccountCoreQuotaReached`, or
 * `AccountLowPriorityCoreQuotaReached` when the dedicated nodes fit and the low-priority ones do not), and
 * allocation returns to `steady`. Never more processes than the quota, whatever the target, also at restart.
 */
import { availableParallelism } from 'node:os';
import type { ResizeError } from '@batchite/protocol';
import type { PoolDoc, PoolInternal } from '../store/documents.js';
import { allocationCap, withAllocation } from './pools-service.js';
import { isoNow, type ServiceContext } from './service-context.js';

export const DEFAULT_NODE_QUOTA = Object.freeze({
  /** Local nodes per CPU the default quota allows. */
  perCpu: 2,
  /** The default quota is never below this. */
  min: 2,
});

/** The default `maxNodes`: max(2, CPUs × 2). */
export function defaultMaxNodes(cpus: number = availableParallelism()): number {
  return Math.max(DEFAULT_NODE_QUOTA.min, cpus * DEFAULT_NODE_QUOTA.perCpu);
}

export const QUOTA_CODES = Object.freeze(['AccountCoreQuotaReached', 'AccountLowPriorityCoreQuotaReached']);

export function poolTarget(pool: PoolDoc): number {
  return (pool.entity.targetDedicatedNodes ?? 0) + (pool.entity.targetLowPriorityNodes ?? 0);
}

/** The quota error for a pool granted `granted` of its target nodes under `maxNodes`. */
export function quotaError(pool: PoolDoc, granted: number, maxNodes: number): ResizeError {
  const dedicated = pool.entity.targetDedicatedNodes ?? 0;
  const code = dedicated > granted ? 'AccountCoreQuotaReached' : 'AccountLowPriorityCoreQuotaReached';
  const kind = code === 'AccountCoreQuotaReached' ? 'core' : 'low priority core';
  return {
    code,
    message: `The specified account has reached ${kind} quota: local nodes are limited to ${maxNodes} (--max-nodes), so the pool got ${granted} of the ${poolTarget(pool)} nodes it targets.`,
    values: [
      { name: 'MaxNodes', value: String(maxNodes) },
      { name: 'GrantedNodes', value: String(granted) },
      { name: 'TargetNodes', value: String(poolTarget(pool)) },
    ],
  };
}

function isQuotaError(error: ResizeError): boolean {
  return error.code !== undefined && QUOTA_CODES.includes(error.code);
}

/**
 * Records on the pool what the quota grants it: the quota error and the node count allocation settles at when
 * `granted` is below the target; neither when the target fits. Writes only when something changes.
 */
export async function recordQuota(
  context: ServiceContext,
  poolId: string,
  granted: number,
  maxNodes: number,
): Promise<void> {
  await context.store.mutatePool(poolId, (pool) => {
    const limited = granted < poolTarget(pool);
    const others = (pool.entity.resizeErrors ?? []).filter((error) => !isQuotaError(error));
    const errors = limited ? [...others, quotaError(pool, granted, maxNodes)] : others;
    const same =
      pool.internal?.grantedNodes === (limited ? granted : undefined) &&
      JSON.stringify(pool.entity.resizeErrors ?? []) === JSON.stringify(errors);
    if (same) return { next: undefined, result: undefined };
    const { grantedNodes: _old, ...internal } = pool.internal ?? {};
    const { resizeErrors: _errors, ...rest } = pool.entity;
    const entity = errors.length === 0 ? rest : { ...rest, resizeErrors: errors };
    const nextInternal: PoolInternal = limited ? { ...internal, grantedNodes: granted } : internal;
    const settled = withAllocation(entity, isoNow(context), allocationCap(nextInternal));
    return { next: { entity: settled, internal: nextInternal }, result: undefined };
  });
}
