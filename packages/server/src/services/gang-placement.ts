/**
 * Placement of multi-instance tasks (Batch "multi-instance tasks", https://learn.microsoft.com/azure/batch/batch-mpi):
 * ordinary claims pass over them; `placeGangs` reserves `numberOfInstances` distinct nodes of the pool for one
 * such task in one store transaction (`Store.placeGangTasks`), all of them or none. The task starts `running`,
 * leased to its primary (the first node); every node records its instance (`NodeInternal.gangRuns`) and counts
 * it as a running task in one slot until the task ends. A task that asks more nodes than can host it now waits.
 */
import type { JobDoc, NodeDoc, TaskDoc, TaskGang } from '../store/documents.js';
import type { GangPolicy } from '../store/store.js';
import { gangPlacementDue, recordGangWaiting } from './gang-hints.js';
import { waitsForJobManager } from './job-manager-scheduling.js';
import { dependenciesMet, newLeaseToken, startedTask } from './scheduler-policy.js';
import { isoNow, type ServiceContext } from './service-context.js';

/** Whether the task is a multi-instance task (placed here, never by an ordinary claim). */
export function isGangTask(task: TaskDoc): boolean {
  return task.entity.multiInstanceSettings !== undefined;
}

/** Nodes the task needs at once (Batch's default numberOfInstances is 1). */
export function instancesOf(task: TaskDoc): number {
  return task.entity.multiInstanceSettings?.numberOfInstances ?? 1;
}

/** Node states in which a node takes new work. */
const HOSTING_STATES: ReadonlySet<string> = new Set(['idle', 'running']);

function canHost(node: NodeDoc): boolean {
  return (
    HOSTING_STATES.has(node.entity.state ?? '') &&
    node.entity.schedulingState !== 'disabled' &&
    (node.entity.runningTaskSlotsCount ?? 0) < node.internal.slots
  );
}

/** The node with one more instance on it (the claim accounting recounts it from `gangRuns`). */
function withInstance(node: NodeDoc, task: TaskDoc, token: string, instance: number): NodeDoc {
  const run = { jobId: task.jobId, taskId: task.entity.id, token, instance };
  return {
    ...node,
    entity: {
      ...node.entity,
      runningTasksCount: (node.entity.runningTasksCount ?? 0) + 1,
      runningTaskSlotsCount: (node.entity.runningTaskSlotsCount ?? 0) + 1,
    },
    internal: { ...node.internal, gangRuns: [...(node.internal.gangRuns ?? []), run] },
  };
}

/** `seen` counts the tasks considered, `placed` those placed: more seen than placed means one waits. */
export function gangPolicy(
  poolId: string,
  accountUrl: string,
  now: string,
  counts = { seen: 0, placed: 0 },
): GangPolicy {
  return {
    jobAllowance(job: JobDoc, running: number): number {
      const max = job.entity.maxParallelTasks ?? -1;
      return max === -1 ? Number.POSITIVE_INFINITY : max - running;
    },
    // Jobs with a preparation task refuse multi-instance tasks at add: no node's preparation to wait for.
    runnable: (task, job, lookup, range) =>
      !waitsForJobManager(task, job, lookup) && dependenciesMet(task, lookup, range),
    instances(task) {
      counts.seen++;
      return instancesOf(task);
    },
    canHost,
    place(task: TaskDoc, _job: JobDoc, nodes: readonly NodeDoc[]) {
      counts.placed++;
      const primary = nodes[0];
      if (primary === undefined) throw new Error('a multi-instance task needs at least one node');
      const started = startedTask(task, { poolId, nodeId: primary.entity.id, accountUrl }, now);
      const gang: TaskGang = {
        token: newLeaseToken(),
        instances: nodes.map((node) => ({
          poolId,
          nodeId: node.entity.id,
          ipAddress: node.entity.ipAddress ?? '127.0.0.1',
          state: 'placed',
        })),
      };
      return {
        task: { ...started, internal: { ...started.internal, gang } },
        nodes: nodes.map((node, index) => withInstance(node, task, gang.token, index)),
      };
    },
  };
}

/**
 * Places what fits of the pool's waiting multi-instance tasks when an attempt is due (gang-hints.ts); wakes the
 * nodes' claims when one was placed.
 */
export async function placeGangs(
  context: ServiceContext,
  poolId: string,
  accountUrl: string,
): Promise<number> {
  if (!gangPlacementDue(context, poolId)) return 0;
  const counts = { seen: 0, placed: 0 };
  const placed = await context.store.placeGangTasks(
    { poolId, now: context.clock.now() },
    gangPolicy(poolId, accountUrl, isoNow(context), counts),
  );
  recordGangWaiting(context, poolId, counts.seen > counts.placed);
  if (placed.length > 0) context.work.notify();
  return placed.length;
}
