/**
 * The job preparation and release tasks on each node, as pure functions over the job document (the records live
 * in `JobDoc.internal.nodeTasks`, so the claim transaction sees them with the job).
 *
 * Preparation on a node (Batch semantics, Azure Batch REST reference "JobPreparationTask"):
 *
 *   none ──first task of the job claimed on the node──► running ──exit 0──► completed (success): tasks run
 *                                                         │  └─exit≠0, retries left──► running (retryCount+1)
 *                                                         └─exit≠0, retries used up──► completed (failure):
 *                                                             the job's tasks are blocked on the node
 *                                                             (unless waitForSuccess is false)
 *
 * A new registration of the node (the agent restarted: a reboot) runs it again before the next task of the job,
 * after a success only when `rerunOnNodeRebootAfterSuccess` (default true); after a reimage always.
 *
 * Release: ordered on every node that ran the preparation when the job ends (terminate, onAllTasksComplete,
 * delete); the job completes (or is removed) once every ordered release completed or timed out.
 */
import { createHash } from 'node:crypto';
import type {
  JobPreparationTask,
  JobReleaseTask,
  JobTaskReport,
  TaskFailureInformation,
} from '@batchite/protocol';
import { taskRootDirectory } from '@batchite/protocol/task-files';
import type { JobDoc, JobNodeTasks, NodeDoc } from '../store/documents.js';

export const DEFAULT_PREP_ID = 'jobpreparation';
export const DEFAULT_RELEASE_ID = 'jobrelease';
/** Batch's default for the release task's maxWallClockTime. */
export const DEFAULT_RELEASE_WALL_CLOCK = 'PT15M';

export function prepIdOf(prep: JobPreparationTask): string {
  return prep.id ?? DEFAULT_PREP_ID;
}

export function releaseIdOf(release: JobReleaseTask): string {
  return release.id ?? DEFAULT_RELEASE_ID;
}

/**
 * Identifies one registration of a node: every registration issues a new token, so its hash changes. After a
 * reimage it is prefixed with the node's image (`<imageId>.<hash>`): see `sameImage`.
 */
export function nodeBoot(node: NodeDoc): string {
  const boot = createHash('sha256')
    .update(node.internal.tokenHash ?? node.entity.id)
    .digest('base64url')
    .slice(0, 16);
  return node.internal.imageId === undefined ? boot : `${node.internal.imageId}.${boot}`;
}

/** False when a reimage came between the two boots: the node's files, the preparation's among them, are gone. */
function sameImage(a: string, b: string): boolean {
  const image = (boot: string) => boot.slice(0, Math.max(0, boot.indexOf('.')));
  return image(a) === image(b);
}

/**
 * What the job's preparation means for a task about to start on the node: `none` (the job has none), `ready`
 * (tasks run), `needed` (it must run first on this boot), `blocked` (it failed here: no task of the job runs).
 */
export type PrepStatus = 'none' | 'ready' | 'needed' | 'blocked';

export function prepStatus(job: JobDoc, nodeId: string, boot: string): PrepStatus {
  const spec = job.entity.jobPreparationTask;
  if (spec === undefined) return 'none';
  const record = job.internal.nodeTasks?.[nodeId];
  const prep = record?.prep;
  if (prep === undefined) return 'needed';
  const rebooted = record?.boot !== boot;
  if (prep.state === 'running') return 'needed';
  if (prep.result === 'success') {
    if (!sameImage(record?.boot ?? '', boot)) return 'needed';
    return rebooted && spec.rerunOnNodeRebootAfterSuccess !== false ? 'needed' : 'ready';
  }
  if (rebooted) return 'needed';
  return spec.waitForSuccess === false ? 'ready' : 'blocked';
}

/** Whether a task that starts with this status waits (`preparing`) instead of running at once. */
export function waitsForPreparation(job: JobDoc, status: PrepStatus): boolean {
  return status === 'needed' && job.entity.jobPreparationTask?.waitForSuccess !== false;
}

/** The failure info of a finished attempt, as Batch reports it for tasks. */
export function attemptFailure(
  report: Pick<JobTaskReport, 'launchError' | 'preProcessingError' | 'killedBy' | 'exitCode'>,
): TaskFailureInformation | undefined {
  // A resource file that could not be downloaded: Batch's own code for it (BlobAccessDenied, …).
  if (report.preProcessingError !== undefined) return { ...report.preProcessingError };
  if (report.launchError !== undefined) {
    return { category: 'usererror', code: report.launchError.code, message: report.launchError.message };
  }
  if (report.killedBy === 'wallClock') {
    return {
      category: 'usererror',
      code: 'TaskEnded',
      message: 'The task ran longer than its maxWallClockTime and was terminated.',
      details: [{ name: 'Reason', value: 'MaxWallClockTimeExceeded' }],
    };
  }
  if (report.exitCode === 0) return undefined;
  return {
    category: 'usererror',
    code: 'FailureExitCode',
    message: 'The task exited with an exit code representing a failure',
    details: [{ name: 'AdditionalErrorCode', value: 'FailureExitCode' }],
  };
}

export interface NodeRef {
  poolId: string;
  nodeId: string;
  boot: string;
  /** `{accountUrl}/pools/{pool}/nodes/{node}` */
  nodeUrl: string;
}

/** The run's directory on the node: always `jobpreparation/` or `jobrelease/` of the job, whatever the task id. */
function directoryOf(jobId: string, dirName: string, node: NodeRef) {
  const root = taskRootDirectory(jobId, dirName);
  return { taskRootDirectory: root, taskRootDirectoryUrl: `${node.nodeUrl}/files/${root}` };
}

function prepRecord(job: JobDoc, record: JobNodeTasks, report: JobTaskReport, node: NodeRef): JobNodeTasks {
  const base = {
    ...directoryOf(job.entity.id, DEFAULT_PREP_ID, node),
    startTime: report.startTime,
    retryCount: report.retryCount,
    ...(report.retryCount > 0 ? { lastRetryTime: report.startTime } : {}),
  };
  if (report.state === 'running') return { ...record, boot: node.boot, prep: { ...base, state: 'running' } };
  const failureInfo = attemptFailure(report);
  const prep = {
    ...base,
    state: report.final === true ? ('completed' as const) : ('running' as const),
    ...(report.endTime === undefined ? {} : { endTime: report.endTime }),
    ...(report.exitCode === undefined ? {} : { exitCode: report.exitCode }),
    result: failureInfo === undefined ? ('success' as const) : ('failure' as const),
    ...(failureInfo === undefined ? {} : { failureInfo }),
  };
  return { ...record, boot: node.boot, prep };
}

function releaseRecord(
  job: JobDoc,
  record: JobNodeTasks,
  report: JobTaskReport,
  node: NodeRef,
): JobNodeTasks {
  const base = {
    ...directoryOf(job.entity.id, DEFAULT_RELEASE_ID, node),
    startTime: report.startTime,
  };
  const { releaseOrdered: _started, ...rest } = record;
  if (report.state === 'running') return { ...rest, release: { ...base, state: 'running' } };
  const failureInfo = attemptFailure(report);
  const release = {
    ...base,
    state: 'completed' as const,
    ...(report.endTime === undefined ? {} : { endTime: report.endTime }),
    ...(report.exitCode === undefined ? {} : { exitCode: report.exitCode }),
    result: failureInfo === undefined ? ('success' as const) : ('failure' as const),
    ...(failureInfo === undefined ? {} : { failureInfo }),
  };
  return { ...rest, release };
}

/** The job with one report of the node applied; undefined when it changes nothing (the job has no such task). */
export function withJobTaskReport(job: JobDoc, report: JobTaskReport, node: NodeRef): JobDoc | undefined {
  const isPrep = report.kind === 'jobPreparation';
  if (isPrep ? job.entity.jobPreparationTask === undefined : job.entity.jobReleaseTask === undefined) {
    return undefined;
  }
  const current = job.internal.nodeTasks?.[node.nodeId] ?? { poolId: node.poolId };
  // A release report about a release that was never ordered, or already completed, changes nothing.
  if (!isPrep && current.releaseOrdered !== true && current.release?.state !== 'running') return undefined;
  const record = isPrep ? prepRecord(job, current, report, node) : releaseRecord(job, current, report, node);
  return {
    ...job,
    internal: { ...job.internal, nodeTasks: { ...job.internal.nodeTasks, [node.nodeId]: record } },
  };
}

/** The job with a release ordered on every node that ran its preparation (and has none ordered or done). */
export function withReleasesOrdered(job: JobDoc, now: number): { job: JobDoc; nodeIds: string[] } {
  if (job.entity.jobReleaseTask === undefined) return { job, nodeIds: [] };
  const nodeTasks = { ...job.internal.nodeTasks };
  const nodeIds: string[] = [];
  for (const [nodeId, record] of Object.entries(nodeTasks)) {
    if (record.prep === undefined || record.releaseOrdered === true || record.release !== undefined) continue;
    nodeTasks[nodeId] = { ...record, releaseOrdered: true, releaseOrderedAt: now };
    nodeIds.push(nodeId);
  }
  if (nodeIds.length === 0) return { job, nodeIds };
  return { job: { ...job, internal: { ...job.internal, nodeTasks } }, nodeIds };
}

/**
 * Nodes whose release the job still waits for: ordered and not started, or running. An order is given up
 * after `giveUpMs` (the node is gone or never came back), so a lost node cannot hold the job forever.
 */
export function releasesOutstanding(job: JobDoc, now: number, giveUpMs: number): string[] {
  const waiting: string[] = [];
  for (const [nodeId, record] of Object.entries(job.internal.nodeTasks ?? {})) {
    const ordered = record.releaseOrdered === true || record.release?.state === 'running';
    if (ordered && now - (record.releaseOrderedAt ?? now) < giveUpMs) waiting.push(nodeId);
  }
  return waiting;
}
