/**
 * The task state machine (task states as the Azure Batch REST API reference describes them). Every transition here is a pure function from the stored task to
 * the next one; the callers apply it in one store mutation that checks the lease token.
 *
 *   add ─► active ─claim─► running ─┬─ exit 0 ──────────────────────────────► completed (success)
 *            ▲                      ├─ exit≠0, retries left: retryCount+1 ──► active
 *            │                      ├─ exit≠0, retries exhausted ───────────► completed (failure, FailureExitCode)
 *            │                      ├─ program not found / launch failure ──► completed (failure, no retry)
 *            │                      ├─ resource file download failed ───────► completed (failure, no retry)
 *            │                      ├─ output file upload failed ───────────► completed (failure, exit code kept, no retry)
 *            │                      ├─ maxWallClockTime exceeded ───────────► completed (failure, no retry)
 *            │                      ├─ terminate (task or job) ─────────────► completed (failure, TaskEnded)
 *            │                      ├─ requeue (job disable requeue, pool shrink/delete): requeueCount+1 ─► active
 *            │                      └─ node lost (lease expired, agent died): no counter spent ──────────► active
 *   completed (failure) ─reactivate─► active (retryCount 0)
 *
 * `maxTaskRetryCount: -1` retries without limit. Exit conditions decide the job action and whether
 * dependants may run; the job action is only applied when the job's onTaskFailure is performexitoptionsjobaction.
 */
import type {
  CloudTask,
  ExitConditions,
  ExitOptions,
  PreProcessingError,
  RunUsage,
  TaskExecutionInformation,
} from '@batchite/protocol';
import type { TaskDoc } from '../store/documents.js';
import { transition } from './service-context.js';

export interface CompletionReport {
  leaseToken: string;
  startTime?: string;
  endTime?: string;
  exitCode?: number;
  launchError?: { code: 'CommandProgramNotFound' | 'CommandLaunchFailed'; message: string };
  /** A resource file could not be downloaded: the command never started. */
  preProcessingError?: PreProcessingError;
  /** The process ran, but an output file could not be uploaded. */
  fileUploadError?: PreProcessingError;
  killedBy?: 'wallClock' | 'terminate';
  /** What the run's process tree used, when the node measured it. */
  usage?: RunUsage;
}

export type JobActionRequest = 'terminate' | 'disable' | undefined;

export interface CompletionOutcome {
  task: TaskDoc;
  /** The job action the exit options ask for (before checking the job's onTaskFailure). */
  jobAction: JobActionRequest;
  /** True when the task reached `completed`. */
  completed: boolean;
}

function baseExecution(task: TaskDoc): TaskExecutionInformation {
  const info = task.entity.executionInfo ?? { retryCount: 0, requeueCount: 0 };
  return { ...info };
}

/** Exit options for an exit code: explicit codes, then ranges, then `default` (exit 0 only when listed). */
export function exitOptionsFor(
  conditions: ExitConditions | undefined,
  exitCode: number,
): ExitOptions | undefined {
  const listed = conditions?.exitCodes?.find((mapping) => mapping.code === exitCode)?.exitOptions;
  if (listed !== undefined) return listed;
  const ranged = conditions?.exitCodeRanges?.find(
    (range) => exitCode >= range.start && exitCode <= range.end,
  );
  if (ranged !== undefined) return ranged.exitOptions;
  return exitCode === 0 ? undefined : conditions?.default;
}

/** The job action of an outcome: `none` for success, `terminate` by default for failures. */
function jobActionOf(options: ExitOptions | undefined, failed: boolean): JobActionRequest {
  const action = options?.jobAction ?? (failed ? 'terminate' : 'none');
  return action === 'none' ? undefined : action;
}

function completedTask(
  task: TaskDoc,
  now: string,
  executionInfo: TaskExecutionInformation,
  options: ExitOptions | undefined,
): TaskDoc {
  const { lease: _released, retryPending: _none, ...internal } = task.internal;
  const failed = executionInfo.result === 'failure';
  return {
    ...task,
    entity: { ...transition(task.entity, 'completed', now), executionInfo },
    internal: { ...internal, satisfiesDependents: failed && options?.dependencyAction === 'satisfy' },
  };
}

function retriesLeft(entity: CloudTask): boolean {
  const max = entity.constraints?.maxTaskRetryCount ?? 0;
  const used = entity.executionInfo?.retryCount ?? 0;
  return max === -1 || used < max;
}

/** Running, or `preparing`: held by a node (that runs the job's preparation task first). */
export function onNode(task: TaskDoc): boolean {
  return task.entity.state === 'running' || task.entity.state === 'preparing';
}

/** Applies an agent's report to the running task. */
export function applyCompletion(task: TaskDoc, report: CompletionReport, now: string): CompletionOutcome {
  const conditions = task.entity.exitConditions;
  const info = baseExecution(task);
  if (report.startTime !== undefined) info.startTime = report.startTime;
  info.endTime = report.endTime ?? now;
  const preProcessing = report.preProcessingError;
  if (report.launchError !== undefined || preProcessing !== undefined) {
    // Batch does not retry a task that could not start (pre-processing error): it completes as failed.
    const options = conditions?.preProcessingError ?? conditions?.default;
    const failureInfo =
      preProcessing ??
      ({
        category: 'usererror' as const,
        code: report.launchError?.code ?? 'CommandLaunchFailed',
        message: report.launchError?.message ?? '',
      } as const);
    const executionInfo = { ...info, result: 'failure' as const, failureInfo };
    return {
      task: completedTask(task, now, executionInfo, options),
      jobAction: jobActionOf(options, true),
      completed: true,
    };
  }
  const exitCode = report.exitCode ?? -1;
  const options = exitOptionsFor(conditions, exitCode);
  if (report.killedBy === 'terminate') {
    const failureInfo = {
      category: 'usererror' as const,
      code: 'TaskEnded',
      message: 'Task Was Ended by User Request',
    };
    const executionInfo = { ...info, exitCode, result: 'failure' as const, failureInfo };
    return {
      task: completedTask(task, now, executionInfo, undefined),
      jobAction: undefined,
      completed: true,
    };
  }
  if (report.killedBy === 'wallClock') {
    const failureInfo = {
      category: 'usererror' as const,
      code: 'TaskEnded',
      message: 'The task ran longer than its maxWallClockTime and was terminated.',
      details: [{ name: 'Reason', value: 'MaxWallClockTimeExceeded' }],
    };
    const executionInfo = { ...info, exitCode, result: 'failure' as const, failureInfo };
    return {
      task: completedTask(task, now, executionInfo, options),
      jobAction: jobActionOf(options, true),
      completed: true,
    };
  }
  if (report.fileUploadError !== undefined)
    return uploadFailed(task, report.fileUploadError, info, exitCode, now);
  if (exitCode === 0) {
    const executionInfo = { ...info, exitCode, result: 'success' as const };
    return {
      task: completedTask(task, now, executionInfo, options),
      jobAction: jobActionOf(options, false),
      completed: true,
    };
  }
  if (retriesLeft(task.entity)) return { task: retried(task, now), jobAction: undefined, completed: false };
  const failureInfo = {
    category: 'usererror' as const,
    code: 'FailureExitCode',
    message: 'The task exited with an exit code representing a failure',
    details: [
      { name: 'Message', value: `The task process exited with an unexpected exit code` },
      { name: 'AdditionalErrorCode', value: 'FailureExitCode' },
    ],
  };
  const executionInfo = { ...info, exitCode, result: 'failure' as const, failureInfo };
  return {
    task: completedTask(task, now, executionInfo, options),
    jobAction: jobActionOf(options, true),
    completed: true,
  };
}

/**
 * An output file could not be uploaded: the task completes as failed with the upload's failureInfo and keeps
 * its exit code; Batch does not retry it. An exit code listed in the exit conditions decides the job action
 * (its entry wins over `fileUploadError`), otherwise `fileUploadError`, then `default`.
 */
function uploadFailed(
  task: TaskDoc,
  failureInfo: PreProcessingError,
  info: TaskExecutionInformation,
  exitCode: number,
  now: string,
): CompletionOutcome {
  const conditions = task.entity.exitConditions;
  const listed = exitCodeListed(conditions, exitCode);
  const options = listed ?? conditions?.fileUploadError ?? conditions?.default;
  const executionInfo = { ...info, exitCode, result: 'failure' as const, failureInfo };
  return {
    task: completedTask(task, now, executionInfo, options),
    jobAction: jobActionOf(options, true),
    completed: true,
  };
}

/** The exit options an exit code has by being listed (codes, then ranges); `default` does not count. */
function exitCodeListed(conditions: ExitConditions | undefined, exitCode: number): ExitOptions | undefined {
  return (
    conditions?.exitCodes?.find((mapping) => mapping.code === exitCode)?.exitOptions ??
    conditions?.exitCodeRanges?.find((range) => exitCode >= range.start && exitCode <= range.end)?.exitOptions
  );
}

/** Non-zero exit with retries left: back to active, retryCount+1 (lastRetryTime is set when it starts again). */
function retried(task: TaskDoc, now: string): TaskDoc {
  const previous = baseExecution(task);
  const executionInfo: TaskExecutionInformation = {
    retryCount: previous.retryCount + 1,
    requeueCount: previous.requeueCount,
  };
  if (previous.lastRetryTime !== undefined) executionInfo.lastRetryTime = previous.lastRetryTime;
  if (previous.lastRequeueTime !== undefined) executionInfo.lastRequeueTime = previous.lastRequeueTime;
  const { lease: _released, ...internal } = task.internal;
  return {
    ...task,
    entity: { ...transition(task.entity, 'active', now), executionInfo },
    internal: { ...internal, retryPending: true },
  };
}

/** Execution info of a task put back to active: counters kept, run details cleared. */
function backToActive(task: TaskDoc, now: string, userRequeue: boolean): TaskDoc {
  const previous = baseExecution(task);
  const executionInfo: TaskExecutionInformation = {
    retryCount: previous.retryCount,
    requeueCount: previous.requeueCount + (userRequeue ? 1 : 0),
  };
  if (previous.lastRetryTime !== undefined) executionInfo.lastRetryTime = previous.lastRetryTime;
  if (userRequeue) executionInfo.lastRequeueTime = now;
  else if (previous.lastRequeueTime !== undefined) executionInfo.lastRequeueTime = previous.lastRequeueTime;
  const { nodeInfo: _node, ...entity } = task.entity;
  const internal = { ...task.internal, recoveries: (task.internal.recoveries ?? 0) + (userRequeue ? 0 : 1) };
  delete internal.lease;
  return { ...task, entity: { ...transition(entity, 'active', now), executionInfo }, internal };
}

/** Requeue by user action (job disable with requeue, pool shrink or delete): requeueCount+1. */
export function requeuedByUser(task: TaskDoc, now: string): TaskDoc {
  return backToActive(task, now, true);
}

/** The node running the task was lost: the task runs again, spending neither a retry nor a requeue. */
export function recoveredFromLostNode(task: TaskDoc, now: string): TaskDoc {
  return backToActive(task, now, false);
}

/** Ended by the user (task or job terminate, job disable with terminate): completed with TaskEnded. */
export function endedByUser(task: TaskDoc, now: string): TaskDoc {
  const executionInfo = {
    ...(task.entity.executionInfo ?? { retryCount: 0, requeueCount: 0 }),
    endTime: now,
    result: 'failure' as const,
    failureInfo: {
      category: 'usererror' as const,
      code: 'TaskEnded',
      message: 'Task Was Ended by User Request',
    },
  };
  const { lease: _released, ...internal } = task.internal;
  return { ...task, entity: { ...transition(task.entity, 'completed', now), executionInfo }, internal };
}
