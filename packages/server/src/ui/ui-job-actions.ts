/**
 * The dashboard's job actions — disable (running tasks requeued, Batch's default), enable, terminate, delete —
 * and "re-run failed", which reactivates the failed tasks of a job (optionally those with one exit code) through
 * the same services the Batch routes use, so every state rule of the API holds here too.
 */
import type { JobState } from '@batchite/protocol';
import { isApiError } from '../http/api-error.js';
import { deleteJob, disableJob, enableJob, getJob, terminateJob } from '../services/jobs-service.js';
import { jobStateConflict } from '../services/job-states.js';
import type { ServiceContext } from '../services/service-context.js';
import { reactivateTask } from '../services/tasks-service.js';
import { failedTaskDocs } from './ui-failures.js';

export const JOB_ACTIONS = ['disable', 'enable', 'terminate', 'delete'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export interface UiJobActions {
  disable: boolean;
  enable: boolean;
  terminate: boolean;
  delete: boolean;
  rerunFailed: boolean;
}

/** What the buttons may do in this job state (the services enforce the same rules). */
export function jobActions(state: JobState | undefined, failed: number): UiJobActions {
  const live = state === 'active' || state === 'disabled' || state === 'disabling' || state === 'enabling';
  return {
    disable: state === 'active',
    enable: state === 'disabled',
    terminate: live,
    delete: state !== 'deleting',
    rerunFailed: live && failed > 0,
  };
}

export const NO_JOB_ACTIONS: UiJobActions = Object.freeze({
  disable: false,
  enable: false,
  terminate: false,
  delete: false,
  rerunFailed: false,
});

export async function runJobAction(
  context: ServiceContext,
  jobId: string,
  action: JobAction,
): Promise<{ jobId: string; state: string }> {
  if (action === 'delete') {
    await deleteJob(context, jobId);
    return { jobId, state: 'deleting' };
  }
  const job =
    action === 'disable'
      ? await disableJob(context, jobId, 'requeue')
      : action === 'enable'
        ? await enableJob(context, jobId)
        : await terminateJob(context, jobId, 'UserTerminate');
  return { jobId: job.entity.id, state: job.entity.state ?? 'active' };
}

export interface RerunResult {
  reactivated: string[];
  notReactivated: { taskId: string; code: string; message: string }[];
}

/** Reactivates the job's failed tasks (all, or those that exited with `exitCode`), in id order. */
export async function rerunFailedTasks(
  context: ServiceContext,
  jobId: string,
  exitCode: number | undefined,
): Promise<RerunResult> {
  const job = await getJob(context, jobId);
  const state = job.entity.state;
  if (state === 'completed' || state === 'terminating' || state === 'deleting')
    throw jobStateConflict(state, 'reactivate');
  const { tasks } = await failedTaskDocs(context, job.entity.id);
  const result: RerunResult = { reactivated: [], notReactivated: [] };
  for (const task of tasks) {
    if (exitCode !== undefined && task.entity.executionInfo?.exitCode !== exitCode) continue;
    try {
      await reactivateTask(context, job.entity.id, task.entity.id, () => undefined);
      result.reactivated.push(task.entity.id);
    } catch (error) {
      // One task changed meanwhile (deleted, already reactivated): the others still go.
      if (!isApiError(error)) throw error;
      result.notReactivated.push({ taskId: task.entity.id, code: error.code, message: error.message });
    }
  }
  return result;
}
