import {
  MAX_DEPENDENCY_ID_CHARS,
  MAX_DEPENDENCY_RANGE_CHARS,
  UNLIMITED_DURATION,
  type CloudTask,
  type ExitConditions,
  type TaskAddParameter,
  type TaskConstraints,
} from '@batchite/protocol';
import type { ApiError } from '../http/api-error.js';
import { apiError, propertyValues } from '../http/api-error.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { JobMissing } from '../store/store-errors.js';
import { assertJobAcceptsTasks, jobStateConflict } from './job-states.js';
import { canonicalDuration, getJob, jobNotFound, settleJobState, type EntityCheck } from './jobs-service.js';
import { taskIdConflict } from './job-task-specs.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { retireOnLocalNodes } from './directory-removal.js';
import { jobDirectorySegments } from '@batchite/protocol/task-files';
import { endedByUser } from './task-lifecycle.js';
import { hintGangPlacement } from './gang-hints.js';
import { refuseMultiInstance } from './multi-instance-support.js';
import { refuseTaskProperties } from './unsupported-properties.js';
import { refuseAutoStorage } from './resource-file-orders.js';
import { checkUserNames } from './user-identity.js';
import { afterJobManagerCompleted } from './job-manager.js';

/** Default task retention (Azure Batch REST reference). */
export const DEFAULT_RETENTION_TIME = 'P7D';

export interface AddTaskOutcome {
  taskId: string;
  doc?: TaskDoc;
  error?: ApiError;
}

export function taskNotFound() {
  return apiError('TaskNotFound');
}

export function taskConstraints(job: JobDoc, constraints: TaskConstraints | undefined): TaskConstraints {
  return {
    maxWallClockTime: canonicalDuration(constraints?.maxWallClockTime, UNLIMITED_DURATION),
    retentionTime: canonicalDuration(constraints?.retentionTime, DEFAULT_RETENTION_TIME),
    maxTaskRetryCount: constraints?.maxTaskRetryCount ?? job.entity.constraints?.maxTaskRetryCount ?? 0,
  };
}

function hasJobAction(exitConditions: ExitConditions | undefined): boolean {
  if (exitConditions === undefined) return false;
  const options = [
    ...(exitConditions.exitCodes ?? []).map((mapping) => mapping.exitOptions),
    ...(exitConditions.exitCodeRanges ?? []).map((mapping) => mapping.exitOptions),
    exitConditions.preProcessingError,
    exitConditions.fileUploadError,
    exitConditions.default,
  ];
  return options.some((option) => option?.jobAction !== undefined);
}

/** Rules that depend on the job's settings rather than on the task alone. */
function checkAgainstJob(job: JobDoc, param: TaskAddParameter): ApiError | undefined {
  const idTaken = taskIdConflict(job, param.id);
  if (idTaken !== undefined) return idTaken;
  if (param.dependsOn !== undefined && job.entity.usesTaskDependencies !== true) {
    return apiError('TaskDependenciesNotSpecifiedOnJob');
  }
  // The body validator already refused these; kept for callers that skip it (the store must never hold them).
  const idChars = (param.dependsOn?.taskIds ?? []).reduce((sum, id) => sum + id.length, 0);
  if (idChars > MAX_DEPENDENCY_ID_CHARS) return apiError('TaskDependencyListTooLong');
  const ranges = param.dependsOn?.taskIdRanges;
  if (ranges !== undefined && JSON.stringify(ranges).length > MAX_DEPENDENCY_RANGE_CHARS) {
    return apiError('TaskDependencyRangesTooLong');
  }
  if (hasJobAction(param.exitConditions) && job.entity.onTaskFailure !== 'performexitoptionsjobaction') {
    return apiError('InvalidPropertyValue', {
      values: propertyValues(
        'exitConditions.jobAction',
        undefined,
        "jobAction is only allowed when the job's onTaskFailure is performexitoptionsjobaction.",
      ),
    });
  }
  return undefined;
}

function newTask(job: JobDoc, param: TaskAddParameter, now: string): TaskDoc {
  const entity: CloudTask & { id: string } = {
    ...param,
    creationTime: now,
    state: 'active',
    stateTransitionTime: now,
    constraints: taskConstraints(job, param.constraints),
    requiredSlots: param.requiredSlots ?? 1,
    ...(param.multiInstanceSettings === undefined
      ? {}
      : { multiInstanceSettings: { numberOfInstances: 1, ...param.multiInstanceSettings } }),
    executionInfo: { retryCount: 0, requeueCount: 0 },
  };
  return { jobId: job.entity.id, entity, internal: {} };
}

/**
 * Adds already-validated tasks in one store transaction. Job-level problems (missing, completed, terminating,
 * deleting) reject the whole call; per-task problems come back as outcomes.
 */
export async function addTasks(
  context: ServiceContext,
  jobId: string,
  params: readonly TaskAddParameter[],
): Promise<AddTaskOutcome[]> {
  const job = await getJob(context, jobId);
  const now = isoNow(context);
  const userErrors = await checkUserNames(context, job, params);
  const outcomes: AddTaskOutcome[] = params.map((param, index) => {
    const error =
      refuseMultiInstance(param, job) ??
      refuseTaskProperties(param) ??
      refuseAutoStorage(context.storage, param.resourceFiles) ??
      refuseAutoStorage(context.storage, param.multiInstanceSettings?.commonResourceFiles) ??
      checkAgainstJob(job, param) ??
      userErrors[index];
    return error === undefined ? { taskId: param.id } : { taskId: param.id, error };
  });
  const accepted = params.filter((_param, index) => outcomes[index]?.error === undefined);
  let stored: (TaskDoc | undefined)[];
  try {
    stored = await context.store.addTasks(
      job.entity.id,
      accepted.map((param) => newTask(job, param, now)),
      (current) => assertJobAcceptsTasks(current.entity.state),
    );
  } catch (error) {
    throw error instanceof JobMissing ? jobNotFound() : error;
  }
  if (stored.some((doc) => doc !== undefined)) context.work.notify();
  if (stored.some((doc) => doc?.entity.multiInstanceSettings !== undefined)) {
    hintGangPlacement(context, job.entity.poolInfo?.poolId);
  }
  let next = 0;
  return outcomes.map((outcome) => {
    if (outcome.error !== undefined) return outcome;
    const doc = stored[next++];
    return doc === undefined ? { ...outcome, error: apiError('TaskExists') } : { ...outcome, doc };
  });
}

export async function getTask(context: ServiceContext, jobId: string, taskId: string): Promise<TaskDoc> {
  const task = await context.store.getTask(jobId, taskId);
  if (task !== undefined) return task;
  if ((await context.store.getJob(jobId)) === undefined) throw jobNotFound();
  throw taskNotFound();
}

async function changeTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  change: (task: TaskDoc, job: JobDoc, now: string) => TaskDoc | undefined,
): Promise<TaskDoc> {
  const job = await getJob(context, jobId);
  const mutation = await context.store.mutateTask(jobId, taskId, (task) => ({
    next: change(task, job, isoNow(context)),
    result: undefined,
  }));
  if (mutation === undefined) throw taskNotFound();
  return mutation.next ?? (await getTask(context, jobId, taskId));
}

/** PUT: only constraints are updatable; omitted constraints go back to the defaults. */
export async function updateTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  constraints: TaskConstraints | undefined,
  check: EntityCheck<CloudTask>,
): Promise<TaskDoc> {
  return changeTask(context, jobId, taskId, (task, job) => {
    check(task.entity);
    if (task.entity.state === 'completed') throw apiError('TaskCompleted');
    return { ...task, entity: { ...task.entity, constraints: taskConstraints(job, constraints) } };
  });
}

/** Ends a task as the user asked: it completes with failureInfo TaskEnded and is not run again. */
export async function terminateTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  check: EntityCheck<CloudTask>,
): Promise<TaskDoc> {
  const task = await changeTask(context, jobId, taskId, (current, _job, now) => {
    check(current.entity);
    if (current.entity.state === 'completed') throw apiError('TaskCompleted');
    return endedByUser(current, now);
  });
  await afterJobManagerCompleted(context, task);
  await settleJobState(context, jobId);
  return task;
}

/** A failed, completed task goes back to active with its retries reset (Azure Batch REST reference). */
export async function reactivateTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  check: EntityCheck<CloudTask>,
): Promise<TaskDoc> {
  const reactivated = await changeTask(context, jobId, taskId, (task, job, now) => {
    check(task.entity);
    const jobState = job.entity.state;
    if (jobState === 'completed' || jobState === 'terminating' || jobState === 'deleting') {
      throw jobStateConflict(jobState, 'reactivate');
    }
    if (task.entity.state !== 'completed') throw apiError('TaskNotCompleted');
    if (task.entity.executionInfo?.result === 'success') throw apiError('TaskSucceeded');
    const previous = task.entity.executionInfo;
    const executionInfo = { retryCount: 0, requeueCount: previous?.requeueCount ?? 0 };
    if (previous?.lastRequeueTime !== undefined)
      Object.assign(executionInfo, { lastRequeueTime: previous.lastRequeueTime });
    return { ...task, entity: { ...transition(task.entity, 'active', now), executionInfo }, internal: {} };
  });
  context.work.notify();
  return reactivated;
}

/**
 * Deletes the task and its files at once, whatever their retention. A running task's process is killed by its
 * agent at the next heartbeat (the record is gone: `cancel: deleted`); its directory moves out of the way now and
 * is removed once nothing writes into it any more (directory-removal.ts).
 */
export async function deleteTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  check: EntityCheck<CloudTask>,
): Promise<void> {
  const task = await getTask(context, jobId, taskId);
  check(task.entity);
  await context.store.removeTask(jobId, taskId);
  await retireOnLocalNodes(context, [...jobDirectorySegments(task.jobId), task.entity.id]);
  await settleJobState(context, jobId);
}
