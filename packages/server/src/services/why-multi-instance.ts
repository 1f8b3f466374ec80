/** Wait reasons of a multi-instance task (gang-placement.ts), for `why`. */
import type { WaitReason } from '@batchite/protocol';
import type { NodeDoc, PoolDoc, TaskDoc } from '../store/documents.js';

/**
 * `NotEnoughNodes`: the task needs `numberOfInstances` distinct nodes with a free slot at once. With fewer nodes
 * than that in the pool (target included) it waits until the pool grows; otherwise until enough are free.
 */
export function multiInstanceReasons(
  task: TaskDoc,
  pool: PoolDoc | undefined,
  usable: readonly NodeDoc[],
): WaitReason[] {
  const settings = task.entity.multiInstanceSettings;
  if (settings === undefined || pool === undefined) return [];
  const needed = settings.numberOfInstances ?? 1;
  const free = usable.filter((node) => (node.entity.runningTaskSlotsCount ?? 0) < node.internal.slots).length;
  if (free >= needed) return [];
  const poolId = pool.entity.id;
  const target = (pool.entity.targetDedicatedNodes ?? 0) + (pool.entity.targetLowPriorityNodes ?? 0);
  const tooSmall = target < needed;
  return [
    {
      code: 'NotEnoughNodes',
      outlook: tooSmall ? 'needs-action' : 'will-resolve',
      message: tooSmall
        ? `Multi-instance task ${task.entity.id} needs ${needed} nodes at once; pool ${poolId} has a target of ${target}. Resize the pool to at least ${needed} nodes.`
        : `Multi-instance task ${task.entity.id} needs ${needed} nodes with a free slot at once; ${free} of pool ${poolId} have one now.`,
      details: { numberOfInstances: needed, nodesWithFreeSlot: free, targetNodes: target },
      ...(tooSmall ? { action: `batchite pool resize ${poolId} --nodes ${needed}` } : {}),
    },
  ];
}
