/**
 * A node's scheduling state (Azure Batch REST reference: Compute Node - Disable Scheduling / Enable Scheduling).
 * `schedulingState` is stored on the node, so it survives a server restart; the claim path gives a disabled node
 * no task (execution-service.ts `schedulable`). What disabling does to the tasks the node runs:
 *
 *   requeue (default)  killed and put back to active at once, requeueCount + 1, no retry spent
 *   terminate          killed and completed with failureInfo `TaskEnded`, as a task terminate does
 *   taskcompletion     left to finish; the node takes nothing new meanwhile
 *
 * Disabling a disabled node (or enabling an enabled one) is 409 `NodeAlreadyInTargetSchedulingState`; a node
 * leaving its pool is 409 `OperationNotValidOnNode`.
 */
import type { DisableComputeNodeSchedulingOption, SchedulingState } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { NodeDoc } from '../store/documents.js';
import { endRunningTasks } from './pool-updates.js';
import { getPool } from './pools-service.js';
import type { ServiceContext } from './service-context.js';

async function setSchedulingState(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  target: SchedulingState,
): Promise<NodeDoc> {
  const pool = await getPool(context, poolId);
  const mutation = await context.store.mutateNode(pool.entity.id, nodeId, (current) => {
    if ((current.entity.schedulingState ?? 'enabled') === target) {
      throw apiError('NodeAlreadyInTargetSchedulingState', {
        message: `Scheduling on node ${nodeId} is already ${target}.`,
      });
    }
    if (current.entity.state === 'leavingpool') {
      throw apiError('OperationNotValidOnNode', {
        message: `Node ${nodeId} is leaving the pool; its scheduling state cannot change.`,
      });
    }
    return {
      next: { ...current, entity: { ...current.entity, schedulingState: target } },
      result: undefined,
    };
  });
  if (mutation?.next === undefined) throw apiError('NodeNotFound');
  return mutation.next;
}

export async function disableNodeScheduling(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  option: DisableComputeNodeSchedulingOption = 'requeue',
): Promise<void> {
  const node = await setSchedulingState(context, poolId, nodeId, 'disabled');
  // Tasks claimed before the state changed are on the node now; none can be claimed after it.
  if (option !== 'taskcompletion')
    await endRunningTasks(context, node, option === 'terminate', 'node_disable');
  context.events.emit('poolChanged', node.poolId);
}

export async function enableNodeScheduling(context: ServiceContext, poolId: string, nodeId: string) {
  const node = await setSchedulingState(context, poolId, nodeId, 'enabled');
  context.work.notify();
  context.events.emit('poolChanged', node.poolId);
}
