/**
 * Node time for pool usage metrics: a node's stay in a pool is recorded when it joins and closed when it
 * leaves (removed, or its pool deleted). A node counts its task slots as its cores: Batchite's nodes are agents
 * that run that many tasks at once, and the server does not know the CPUs of a remote agent's machine.
 */
import type { NodeDoc } from '../store/documents.js';
import type { ServiceContext } from './service-context.js';

export async function recordNodeJoined(
  context: ServiceContext,
  node: NodeDoc,
  vmSize: string,
): Promise<void> {
  await context.store.openNodeUsage({
    poolId: node.poolId,
    nodeId: node.entity.id,
    vmSize,
    cores: node.internal.slots,
    startMs: context.clock.now(),
  });
}

/** The node left now, or at `lastSeenMs` when it died unseen earlier (never later than now). */
export async function recordNodeLeft(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  lastSeenMs?: number,
): Promise<void> {
  const now = context.clock.now();
  await context.store.closeNodeUsage(poolId, nodeId, Math.min(now, lastSeenMs ?? now));
}
