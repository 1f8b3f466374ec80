/**
 * Compute Node - Reboot and Reimage (Azure Batch REST reference). The node goes `rebooting`/`reimaging` at
 * once and takes no new task; its running tasks go as the option says:
 *
 *   requeue (default)  killed and put back to active (requeueCount+1, no retry spent), then the restart
 *   terminate          killed and completed with TaskEnded (not run again), then the restart
 *   taskcompletion     left to finish; the restart is ordered once the node runs nothing
 *   retaineddata       refused: Batchite does not expire task data by retentionTime, so there is no
 *                      retention period to wait for
 *
 * The order reaches the agent with its heartbeats (docs/node-api.md). The agent kills what still runs, wipes
 * its node directories for a reimage, and registers again under the same node id: that registration is the
 * boot (lastBootTime, fresh state), and it runs what every join runs (the pool's start task). A reimage also
 * gives the node a new `imageId`, so job preparations rerun there even with rerunOnNodeRebootAfterSuccess false.
 */
import { randomBytes } from 'node:crypto';
import type { ComputeNodeState, NodeRestartOption, NodeRestartOrder } from '@batchite/protocol';
import { apiError, propertyValues } from '../http/api-error.js';
import type { NodeDoc } from '../store/documents.js';
import { endRunningTasks } from './pool-updates.js';
import { getPool } from './pools-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';

export type RestartKind = NodeRestartOrder['kind'];

/** States from which a node can restart: its agent is in contact and not already restarting. */
const RESTARTABLE: ReadonlySet<string> = new Set<ComputeNodeState>([
  'idle',
  'running',
  'starttaskfailed',
  'waitingforstarttask',
]);

const STATE_OF: Readonly<Record<RestartKind, ComputeNodeState>> = {
  reboot: 'rebooting',
  reimage: 'reimaging',
};

const OPTION_PROPERTY: Readonly<Record<RestartKind, string>> = {
  reboot: 'nodeRebootOption',
  reimage: 'nodeReimageOption',
};

/**
 * The state of a node with a pending reboot/reimage order, whatever happened meanwhile (a node whose lease
 * ran out while restarting is `offline` until its agent is heard from again, then restarting again).
 */
export function restartingState(node: NodeDoc): ComputeNodeState | undefined {
  const kind = node.internal.restart?.kind;
  return kind === undefined ? undefined : STATE_OF[kind];
}

/** True while a reboot or reimage is under way (the node takes no task). */
export function isRestarting(node: NodeDoc): boolean {
  return node.entity.state === 'rebooting' || node.entity.state === 'reimaging';
}

function refusal(node: NodeDoc, kind: RestartKind) {
  const state = node.entity.state;
  if (state === 'rebooting') return apiError('NodeBeingRebooted');
  if (state === 'reimaging') return apiError('NodeBeingReimaged');
  return apiError('OperationNotValidOnNode', {
    message: `The node cannot be ${kind === 'reboot' ? 'rebooted' : 'reimaged'} while it is ${state ?? 'unknown'}.`,
  });
}

/** Orders a reboot or reimage of the node; its running tasks go as `option` says (default requeue). */
export async function restartNode(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  kind: RestartKind,
  option: NodeRestartOption = 'requeue',
): Promise<NodeDoc> {
  const pool = await getPool(context, poolId);
  if (option === 'retaineddata') {
    const reason =
      'Batchite does not expire task data by retentionTime, so there is no retention period to wait for; use taskcompletion.';
    throw apiError('UnsupportedProperty', {
      values: propertyValues(OPTION_PROPERTY[kind], option, reason),
    });
  }
  const found = await context.store.getNode(pool.entity.id, nodeId);
  if (found === undefined) throw apiError('NodeNotFound');
  const mutation = await context.store.mutateNode(pool.entity.id, found.entity.id, (current) => {
    if (!RESTARTABLE.has(current.entity.state ?? ''))
      return { next: undefined, result: refusal(current, kind) };
    const entity = transition(current.entity, STATE_OF[kind], isoNow(context));
    const internal = { ...current.internal, restart: { kind, option } };
    return { next: { ...current, entity, internal }, result: undefined };
  });
  if (mutation === undefined) throw apiError('NodeNotFound');
  if (mutation.result !== undefined) throw mutation.result;
  const node = mutation.next ?? found;
  // The node already takes no new task (its state): what it runs now goes as the option says.
  if (option !== 'taskcompletion')
    await endRunningTasks(context, node, option === 'terminate', 'node_restart');
  context.events.emit('poolChanged', pool.entity.id);
  return node;
}

/** The order the node's heartbeat carries: once it runs nothing (taskcompletion waits for its tasks). */
export function restartOrderFor(node: NodeDoc): NodeRestartOrder | undefined {
  const restart = node.internal.restart;
  if (restart === undefined || !isRestarting(node)) return undefined;
  if (restart.option === 'taskcompletion' && (node.entity.runningTasksCount ?? 0) > 0) return undefined;
  return { kind: restart.kind };
}

/** The image a node registering again keeps: a new one after a reimage (its files are gone). */
export function imageAfterRegistration(previous: NodeDoc | undefined): string | undefined {
  if (previous?.internal.restart?.kind === 'reimage') return randomBytes(8).toString('hex');
  return previous?.internal.imageId;
}
