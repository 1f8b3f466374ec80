/**
 * How the scheduler treats a job's manager task (Azure Batch `JobManagerTask`): "the Batch service tries to
 * schedule the Job Manager Task before any other Tasks in the Job", so while it waits to start, the job's
 * other tasks wait too (also after a requeue: it restarts first). With `runExclusive` (the default) "no other
 * Tasks will run on the same Node for as long as the Job Manager is running": it starts only on a node with
 * every slot free and holds all of them until it ends.
 */
import { idKey } from '@batchite/protocol';
import type { JobDoc, TaskDoc } from '../store/documents.js';

/** The job manager's task id, when the job has one. */
export function jobManagerId(job: JobDoc): string | undefined {
  return job.entity.jobManagerTask?.id;
}

/** True for a task of the job other than its manager while the manager has not started. */
export function waitsForJobManager(
  task: TaskDoc,
  job: JobDoc,
  lookup: (taskId: string) => TaskDoc | undefined,
): boolean {
  const managerId = jobManagerId(job);
  if (managerId === undefined || idKey(managerId) === idKey(task.entity.id)) return false;
  return lookup(managerId)?.entity.state === 'active';
}

/** Slots the task takes on a node with `nodeSlots` slots: all of them when it runs exclusively. */
export function slotsOn(task: TaskDoc, nodeSlots: number): number {
  const required = task.entity.requiredSlots ?? 1;
  return task.internal.exclusive === true ? Math.max(required, nodeSlots) : required;
}
