import {
  formatDuration,
  parseDuration,
  UNLIMITED_DURATION,
  type CloudJob,
  type DisableJobOption,
  type JobAddParameter,
  type JobConstraints,
  type JobPatchParameter,
  type JobUpdateParameter,
} from '@batchite/protocol';
import { apiError, propertyValues } from '../http/api-error.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { jobUsageKey } from './statistics.js';
import {
  assertCanDisable,
  assertCanEnable,
  assertCanTerminate,
  assertJobWritable,
  jobStateConflict,
} from './job-states.js';
import { retireOnLocalNodes } from './directory-removal.js';
import { jobRemovalSegments } from '@batchite/protocol/task-files';
import { jobManagerTasks, withJobManagerDefaults } from './job-manager.js';
import { newTokenNonce } from '../http/job-token.js';
import { awaitReleases } from './job-task-service.js';
import { jobTaskSpecs } from './job-task-specs.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { endedByUser, requeuedByUser } from './task-lifecycle.js';
import { refuseJobProperties } from './unsupported-properties.js';
import { refuseAutoStorage } from './resource-file-orders.js';

/** Runs inside a mutation against the current entity, e.g. conditional headers. */
export type EntityCheck<E> = (entity: E) => void;

const noCheck = () => undefined;

/** Canonical form of an ISO-8601 duration the validators already accepted. */
export function canonicalDuration(text: string | undefined, fallback: string): string {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  return ms === undefined ? text : formatDuration(ms);
}

function jobConstraints(constraints: JobConstraints | undefined): JobConstraints {
  return {
    maxWallClockTime: canonicalDuration(constraints?.maxWallClockTime, UNLIMITED_DURATION),
    maxTaskRetryCount: constraints?.maxTaskRetryCount ?? 0,
  };
}

export function jobNotFound() {
  return apiError('JobNotFound');
}

/** Throws the refusal of a job property this service cannot honour (job schedules check their jobSpecification). */
export function assertJobPropertiesHonoured(param: Omit<JobAddParameter, 'id'>, prefix = ''): void {
  const refusal = refuseJobProperties(param);
  if (refusal !== undefined) throw refusal;
  if (param.poolInfo.autoPoolSpecification !== undefined && param.poolInfo.poolId === undefined) {
    throw apiError('InvalidPropertyValue', {
      values: propertyValues(
        `${prefix}poolInfo.autoPoolSpecification`,
        'autoPoolSpecification',
        'Batchite does not create auto pools; set poolInfo.poolId.',
      ),
    });
  }
}

/**
 * 409 AccountNotEnabledForAutoStorage when the job's manager, preparation or release task names a container
 * of linked storage and none is linked.
 */
export function assertJobAutoStorage(
  context: ServiceContext,
  param: Pick<JobAddParameter, 'jobManagerTask' | 'jobPreparationTask' | 'jobReleaseTask'>,
): void {
  const storageError = refuseAutoStorage(context.storage, [
    ...(param.jobManagerTask?.resourceFiles ?? []),
    ...(param.jobPreparationTask?.resourceFiles ?? []),
    ...(param.jobReleaseTask?.resourceFiles ?? []),
  ]);
  if (storageError !== undefined) throw storageError;
}

export async function addJob(context: ServiceContext, param: JobAddParameter): Promise<JobDoc> {
  assertJobPropertiesHonoured(param);
  assertJobAutoStorage(context, param);
  const now = isoNow(context);
  const entity: CloudJob & { id: string } = {
    ...param,
    ...jobTaskSpecs(param, canonicalDuration),
    creationTime: now,
    state: 'active',
    stateTransitionTime: now,
    priority: param.priority ?? 0,
    maxParallelTasks: param.maxParallelTasks ?? -1,
    allowTaskPreemption: param.allowTaskPreemption ?? false,
    usesTaskDependencies: param.usesTaskDependencies ?? false,
    onAllTasksComplete: param.onAllTasksComplete ?? 'noaction',
    onTaskFailure: param.onTaskFailure ?? 'noaction',
    constraints: jobConstraints(param.constraints),
    executionInfo: {
      startTime: now,
      ...(param.poolInfo.poolId === undefined ? {} : { poolId: param.poolInfo.poolId }),
    },
  };
  if (param.jobManagerTask !== undefined)
    entity.jobManagerTask = withJobManagerDefaults(param.jobManagerTask);
  const job: JobDoc = { entity, internal: { tokenNonce: newTokenNonce() } };
  // The manager is stored with the job, in one transaction: no job is ever left without its manager.
  const tasks = await jobManagerTasks(context, job, now);
  const stored = await context.store.insertJob(job, tasks);
  if (stored === undefined) throw apiError('JobExists');
  if (tasks.length > 0) context.work.notify();
  return (await settleJobState(context, stored.entity.id)) ?? stored;
}

export async function getJob(context: ServiceContext, jobId: string): Promise<JobDoc> {
  const job = await context.store.getJob(jobId);
  if (job === undefined) throw jobNotFound();
  return job;
}

/** Applies `change` to the job atomically; throws JobNotFound when it is gone. */
async function changeJob(
  context: ServiceContext,
  jobId: string,
  change: (job: JobDoc, now: string) => JobDoc | undefined,
): Promise<JobDoc> {
  const now = isoNow(context);
  const mutation = await context.store.mutateJob(jobId, (job) => {
    const next = change(job, now);
    return { next, result: undefined };
  });
  if (mutation === undefined) throw jobNotFound();
  return mutation.next ?? (await getJob(context, jobId));
}

function assertPoolChangeAllowed(job: JobDoc, poolInfo: JobPatchParameter['poolInfo']): void {
  if (poolInfo === undefined) return;
  const current = job.entity.poolInfo?.poolId?.toLowerCase();
  if (poolInfo.poolId?.toLowerCase() === current) return;
  if (job.entity.state !== 'disabled') {
    throw apiError('OperationInvalidForCurrentState', {
      message: 'The pool of a job can only be changed while the job is disabled.',
      values: propertyValues('poolInfo', poolInfo.poolId, 'Disable the job before changing its pool.'),
    });
  }
}

function assertNoTerminateJobDowngrade(job: JobDoc, next: string | undefined): void {
  if (job.entity.onAllTasksComplete === 'terminatejob' && next === 'noaction') {
    throw apiError('InvalidPropertyValue', {
      values: propertyValues(
        'onAllTasksComplete',
        'noaction',
        'onAllTasksComplete cannot be changed from terminatejob to noaction.',
      ),
    });
  }
}

function withPool(entity: CloudJob & { id: string }, poolInfo: JobPatchParameter['poolInfo']) {
  if (poolInfo === undefined) return entity;
  const executionInfo = {
    ...entity.executionInfo,
    startTime: entity.executionInfo?.startTime ?? entity.creationTime ?? '',
  };
  if (poolInfo.poolId !== undefined) executionInfo.poolId = poolInfo.poolId;
  return { ...entity, poolInfo, executionInfo };
}

/** PATCH: omitted properties stay as they are. */
export async function patchJob(
  context: ServiceContext,
  jobId: string,
  patch: JobPatchParameter,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<JobDoc> {
  await changeJob(context, jobId, (job) => {
    check(job.entity);
    assertJobWritable(job.entity.state, 'update');
    assertPoolChangeAllowed(job, patch.poolInfo);
    assertNoTerminateJobDowngrade(job, patch.onAllTasksComplete);
    let entity = withPool({ ...job.entity }, patch.poolInfo);
    if (patch.priority !== undefined) entity.priority = patch.priority;
    if (patch.maxParallelTasks !== undefined) entity.maxParallelTasks = patch.maxParallelTasks;
    if (patch.allowTaskPreemption !== undefined) entity.allowTaskPreemption = patch.allowTaskPreemption;
    if (patch.onAllTasksComplete !== undefined) entity.onAllTasksComplete = patch.onAllTasksComplete;
    if (patch.constraints !== undefined) entity.constraints = jobConstraints(patch.constraints);
    if (patch.metadata !== undefined) entity = { ...entity, metadata: patch.metadata };
    return { ...job, entity };
  });
  context.work.notify();
  return (await settleJobState(context, jobId)) ?? getJob(context, jobId);
}

/** PUT: a full replace of the updatable properties; omitted ones go back to their defaults. */
export async function replaceJob(
  context: ServiceContext,
  jobId: string,
  update: JobUpdateParameter,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<JobDoc> {
  await changeJob(context, jobId, (job) => {
    check(job.entity);
    assertJobWritable(job.entity.state, 'update');
    assertPoolChangeAllowed(job, update.poolInfo);
    const onAllTasksComplete = update.onAllTasksComplete ?? 'noaction';
    assertNoTerminateJobDowngrade(job, onAllTasksComplete);
    const { metadata: _dropped, ...rest } = withPool({ ...job.entity }, update.poolInfo);
    const entity: CloudJob & { id: string } = {
      ...rest,
      priority: update.priority ?? 0,
      maxParallelTasks: update.maxParallelTasks ?? -1,
      allowTaskPreemption: update.allowTaskPreemption ?? false,
      constraints: jobConstraints(update.constraints),
      onAllTasksComplete,
    };
    if (update.metadata !== undefined) entity.metadata = update.metadata;
    return { ...job, entity };
  });
  context.work.notify();
  return (await settleJobState(context, jobId)) ?? getJob(context, jobId);
}

export async function disableJob(
  context: ServiceContext,
  jobId: string,
  disableTasks: DisableJobOption,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<JobDoc> {
  await changeJob(context, jobId, (job, now) => {
    check(job.entity);
    assertCanDisable(job.entity.state);
    if (job.entity.state === 'disabled') return undefined;
    return { entity: transition(job.entity, 'disabling', now), internal: { ...job.internal, disableTasks } };
  });
  if (disableTasks === 'requeue') {
    const requeued = await changeRunningTasks(context, jobId, requeuedByUser);
    for (let index = 0; index < requeued; index++) context.events.emit('taskRequeued', 'job_disable');
  }
  if (disableTasks === 'terminate') await changeRunningTasks(context, jobId, endedByUser);
  return (await settleJobState(context, jobId)) ?? getJob(context, jobId);
}

export async function enableJob(
  context: ServiceContext,
  jobId: string,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<JobDoc> {
  await changeJob(context, jobId, (job, now) => {
    check(job.entity);
    assertCanEnable(job.entity.state);
    if (job.entity.state === 'active') return undefined;
    const { disableTasks: _done, ...internal } = job.internal;
    return { entity: transition(job.entity, 'enabling', now), internal };
  });
  const settled = await settleJobState(context, jobId);
  context.work.notify();
  return settled ?? getJob(context, jobId);
}

export async function terminateJob(
  context: ServiceContext,
  jobId: string,
  terminateReason: string | undefined,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<JobDoc> {
  await changeJob(context, jobId, (job, now) => {
    check(job.entity);
    assertCanTerminate(job.entity.state);
    return { ...job, entity: beginTermination(job.entity, terminateReason ?? 'UserTerminate', now) };
  });
  await changeRunningTasks(context, jobId, endedByUser);
  return (await settleJobState(context, jobId)) ?? getJob(context, jobId);
}

/** Terminates a job on the service's own initiative (exit options, maxWallClockTime), if it can still end. */
export async function terminateJobFor(context: ServiceContext, jobId: string, reason: string): Promise<void> {
  const mutation = await context.store.mutateJob(jobId, (job) => {
    const state = job.entity.state;
    if (state === 'completed' || state === 'terminating' || state === 'deleting')
      return { next: undefined, result: false };
    return { next: { ...job, entity: beginTermination(job.entity, reason, isoNow(context)) }, result: true };
  });
  if (mutation?.result !== true) return;
  await changeRunningTasks(context, jobId, endedByUser);
  await settleJobState(context, jobId);
}

/**
 * Applies `change` to every running task of the job (terminate, requeue) and returns how many changed; the
 * agents learn it on their next heartbeat.
 */
async function changeRunningTasks(
  context: ServiceContext,
  jobId: string,
  change: (task: TaskDoc, now: string) => TaskDoc,
): Promise<number> {
  let changed = 0;
  for (;;) {
    const running = [
      ...(await context.store.listTasks(jobId, { state: 'running', limit: 500 })),
      ...(await context.store.listTasks(jobId, { state: 'preparing', limit: 500 })),
    ];
    if (running.length === 0) return changed;
    for (const task of running) {
      const mutation = await context.store.mutateTask(task.jobId, task.entity.id, (current) =>
        current.entity.state === 'running' || current.entity.state === 'preparing'
          ? { next: change(current, isoNow(context)), result: undefined }
          : { next: undefined, result: undefined },
      );
      if (mutation?.next !== undefined) changed++;
    }
  }
}

export function beginTermination(entity: CloudJob & { id: string }, reason: string, now: string) {
  const executionInfo = {
    ...entity.executionInfo,
    startTime: entity.executionInfo?.startTime ?? now,
    terminateReason: reason,
  };
  return { ...transition(entity, 'terminating', now), executionInfo };
}

export async function deleteJob(
  context: ServiceContext,
  jobId: string,
  check: EntityCheck<CloudJob> = noCheck,
): Promise<void> {
  const job = await changeJob(context, jobId, (current, now) => {
    check(current.entity);
    if (current.entity.state === 'deleting') throw jobStateConflict('deleting', 'delete');
    return { ...current, entity: transition(current.entity, 'deleting', now) };
  });
  context.background(`delete job ${job.entity.id}`, () => finishJobDeletion(context, job.entity.id));
}

/** Deletions under way, per server: a request and the maintenance round never run the same one twice at once. */
const finishing = new WeakMap<ServiceContext, Map<string, Promise<void>>>();

/**
 * Removes a deleting job: its directory moves out of the way (removed, with retries, once its processes are
 * gone: directory-removal.ts), then its tasks and record go, so the agents' next heartbeats kill what still
 * runs (`cancel: deleted`). Safe to run again after a crash; maintenance resumes every deleting job.
 */
export function finishJobDeletion(context: ServiceContext, jobId: string): Promise<void> {
  let running = finishing.get(context);
  if (running === undefined) finishing.set(context, (running = new Map<string, Promise<void>>()));
  const under = running;
  const current = under.get(jobId);
  if (current !== undefined) return current;
  const work = (async () => {
    // Release tasks run first, in the job's directory: its running tasks end, then the releases are awaited
    // (the last one to complete comes back here).
    await changeRunningTasks(context, jobId, endedByUser);
    if (await awaitReleases(context, jobId)) return;
    await retireOnLocalNodes(context, jobRemovalSegments(jobId), jobId);
    const job = await context.store.getJob(jobId);
    await context.store.removeJob(jobId);
    // The job's own totals go with it; the account's lifetime totals keep its runs.
    if (job !== undefined) await context.store.removeUsage(jobUsageKey(job));
  })().finally(() => under.delete(jobId));
  under.set(jobId, work);
  return work;
}

/** What settling needs to know about a job's tasks (existence checks, not counts: a job may hold millions). */
interface JobActivity {
  /** Some task is running or preparing. */
  running: boolean;
  /** Some task is waiting or running; asked only when the job ends with its tasks (undefined otherwise). */
  anyLeft: boolean | undefined;
}

const RUNNING_STATES = ['running', 'preparing'] as const;

async function jobActivity(context: ServiceContext, job: JobDoc): Promise<JobActivity> {
  const jobId = job.entity.id;
  const running = await context.store.hasTasksInStates(jobId, RUNNING_STATES);
  if (job.entity.onAllTasksComplete !== 'terminatejob') return { running, anyLeft: undefined };
  // One query for "anything left": asked apart, a task claimed between the running and the active checks
  // would be seen in neither, and the job would end under it.
  const left = running || (await context.store.hasTasksInStates(jobId, [...RUNNING_STATES, 'active']));
  return { running, anyLeft: left };
}

/** True when no task of the job is waiting or running. */
function nothingLeft(activity: JobActivity): boolean {
  return activity.anyLeft === false;
}

/**
 * Moves a job out of a transitional state once nothing is running, and applies `onAllTasksComplete`.
 * Returns the job after any change (undefined when it is gone).
 */
export async function settleJobState(context: ServiceContext, jobId: string): Promise<JobDoc | undefined> {
  const job = await context.store.getJob(jobId);
  if (job === undefined || !needsSettling(job)) return undefined;
  const counts = await jobActivity(context, job);
  // A job that ends waits in `terminating` for its release tasks (ordered here, at most once per node).
  if (endsNow(job, counts) && (await awaitReleases(context, jobId))) {
    if (job.entity.state === 'active') await terminateJobFor(context, jobId, 'AllTasksComplete');
    return context.store.getJob(jobId);
  }
  const mutation = await context.store.mutateJob(jobId, (current) => ({
    next: settledJob(current, counts, isoNow(context)),
    result: current.entity.state,
  }));
  const next = mutation?.next?.entity;
  if (next?.state === 'completed' && mutation?.result !== 'completed')
    context.events.emit('jobCompleted', next.id, next.executionInfo?.terminateReason);
  return mutation?.next;
}

function endsNow(job: JobDoc, counts: JobActivity): boolean {
  if (job.entity.state === 'terminating') return !counts.running;
  return (
    job.entity.state === 'active' && job.entity.onAllTasksComplete === 'terminatejob' && nothingLeft(counts)
  );
}

/** Only transitional jobs and jobs that end when their tasks do can change here; others skip the count. */
function needsSettling(job: JobDoc): boolean {
  const state = job.entity.state;
  if (state === 'disabling' || state === 'enabling' || state === 'terminating') return true;
  return state === 'active' && job.entity.onAllTasksComplete === 'terminatejob';
}

function settledJob(job: JobDoc, counts: JobActivity, now: string): JobDoc | undefined {
  const entity = job.entity;
  const idle = !counts.running;
  switch (entity.state) {
    case 'disabling':
      return idle ? { ...job, entity: transition(entity, 'disabled', now) } : undefined;
    case 'enabling':
      return { ...job, entity: transition(entity, 'active', now) };
    case 'terminating':
      return idle ? { ...job, entity: completeJob(entity, now) } : undefined;
    case 'active':
      if (entity.onAllTasksComplete === 'terminatejob' && nothingLeft(counts)) {
        return { ...job, entity: completeJob(beginTermination(entity, 'AllTasksComplete', now), now) };
      }
      return undefined;
    default:
      return undefined;
  }
}

function completeJob(entity: CloudJob & { id: string }, now: string) {
  const executionInfo = {
    ...entity.executionInfo,
    startTime: entity.executionInfo?.startTime ?? now,
    endTime: now,
  };
  return { ...transition(entity, 'completed', now), executionInfo };
}
