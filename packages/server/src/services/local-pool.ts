import { addPool } from './pools-service.js';
import type { ServiceContext } from './service-context.js';

export interface LocalPoolOptions {
  /** Pool id. @defaultValue 'local' */
  id?: string;
  /** Nodes (agents) to run. */
  nodes: number;
  /** Task slots per node. */
  slots: number;
}

/**
 * The pool `batchite serve` provides out of the box. Created on first start; on later starts its targets follow
 * the flags (a resize), so `--nodes` and `--slots` always mean what they say.
 */
export async function ensureLocalPool(context: ServiceContext, options: LocalPoolOptions): Promise<void> {
  const id = options.id ?? 'local';
  const existing = await context.store.getPool(id);
  if (existing === undefined) {
    await addPool(context, {
      id,
      vmSize: 'local',
      targetDedicatedNodes: options.nodes,
      taskSlotsPerNode: options.slots,
    });
    return;
  }
  await context.store.mutatePool(id, (pool) => {
    if (
      pool.entity.targetDedicatedNodes === options.nodes &&
      pool.entity.taskSlotsPerNode === options.slots
    ) {
      return { next: undefined, result: undefined };
    }
    const entity = {
      ...pool.entity,
      targetDedicatedNodes: options.nodes,
      targetLowPriorityNodes: 0,
      taskSlotsPerNode: options.slots,
    };
    return { next: { ...pool, entity }, result: undefined };
  });
}
