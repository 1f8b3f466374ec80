/**
 * The server's side of job preparation and release tasks (records and rules in job-node-tasks.ts): it records
 * what the agents report, moves the job's `preparing` tasks on the node on when a preparation ends, hands the
 * release tasks to the nodes when the job ends, and builds the orders the agents run.
 */
import {
  isUnlimitedDuration,
  parseDuration,
  type JobTaskOrder,
  type JobTaskReport,
  type UserAccount,
} from '@batchite/protocol';
import type { JobDoc, NodeDoc, TaskDoc } from '../store/documents.js';
import { DEFAULT_RUN_AS, resolveRunAs } from './user-identity.js';
import type { LinkedStorage } from './linked-storage.js';
import { resourceFileOrders } from './resource-file-orders.js';
import {
  DEFAULT_RELEASE_WALL_CLOCK,
  nodeBoot,
  prepIdOf,
  prepStatus,
  releaseIdOf,
  releasesOutstanding,
  withJobTaskReport,
  withReleasesOrdered,
} from './job-node-tasks.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { recoveredFromLostNode } from './task-lifecycle.js';

export interface Account {
  accountName: string;
  /** With trailing slash, as tasks see AZ_BATCH_ACCOUNT_URL. */
  accountUrl: string;
  userAccounts?: readonly UserAccount[];
  /** The linked storage account that `autoStorageContainerName` resolves against. */
  storage?: LinkedStorage | undefined;
  /** Injected clock, ms (the SAS of a linked storage container starts now). */
  nowMs?: number;
}

/** The order's `resourceFiles`, when the spec has any. */
function filesOf(
  files: JobTaskOrderSpec['resourceFiles'],
  account: Account,
): Pick<JobTaskOrder, 'resourceFiles'> {
  if (files === undefined || files.length === 0) return {};
  return { resourceFiles: resourceFileOrders(files, account.storage, account.nowMs ?? Date.now()) };
}

type JobTaskOrderSpec = NonNullable<JobDoc['entity']['jobPreparationTask']>;

function wallClockMs(duration: string | undefined): number | undefined {
  const ms = parseDuration(duration ?? '');
  return ms === undefined || isUnlimitedDuration(ms) ? undefined : ms;
}

function orderEnvironment(
  job: JobDoc,
  taskId: string,
  own: readonly { name: string; value?: string }[],
  account: Account,
) {
  const environment: Record<string, string> = {};
  for (const setting of job.entity.commonEnvironmentSettings ?? [])
    environment[setting.name] = setting.value ?? '';
  for (const setting of own) environment[setting.name] = setting.value ?? '';
  return Object.assign(environment, {
    AZ_BATCH_ACCOUNT_NAME: account.accountName,
    AZ_BATCH_ACCOUNT_URL: account.accountUrl,
    AZ_BATCH_JOB_ID: job.entity.id,
    AZ_BATCH_TASK_ID: taskId,
  });
}

/** The job's preparation task as the agent runs it; undefined when the job has none. */
export function preparationOrder(job: JobDoc, account: Account, run: boolean): JobTaskOrder | undefined {
  const spec = job.entity.jobPreparationTask;
  if (spec === undefined) return undefined;
  const taskId = prepIdOf(spec);
  const wallClock = wallClockMs(spec.constraints?.maxWallClockTime);
  return {
    jobId: job.entity.id,
    kind: 'jobPreparation',
    taskId,
    commandLine: spec.commandLine,
    environment: orderEnvironment(job, taskId, spec.environmentSettings ?? [], account),
    ...(wallClock === undefined ? {} : { maxWallClockTimeMs: wallClock }),
    runAs: resolveRunAs(spec.userIdentity, account.userAccounts ?? []) ?? DEFAULT_RUN_AS,
    maxTaskRetryCount: spec.constraints?.maxTaskRetryCount ?? job.entity.constraints?.maxTaskRetryCount ?? 0,
    waitForSuccess: spec.waitForSuccess !== false,
    run,
    ...filesOf(spec.resourceFiles, account),
  };
}

/** The job's release task as the agent runs it; undefined when the job has none. */
export function releaseOrder(job: JobDoc, account: Account): JobTaskOrder | undefined {
  const spec = job.entity.jobReleaseTask;
  if (spec === undefined) return undefined;
  const taskId = releaseIdOf(spec);
  const wallClock = wallClockMs(spec.maxWallClockTime ?? DEFAULT_RELEASE_WALL_CLOCK);
  return {
    jobId: job.entity.id,
    kind: 'jobRelease',
    taskId,
    commandLine: spec.commandLine,
    environment: orderEnvironment(job, taskId, spec.environmentSettings ?? [], account),
    ...(wallClock === undefined ? {} : { maxWallClockTimeMs: wallClock }),
    runAs: resolveRunAs(spec.userIdentity, account.userAccounts ?? []) ?? DEFAULT_RUN_AS,
    ...filesOf(spec.resourceFiles, account),
  };
}

/** How long a job waits for a node's release before it gives up on that node (gone, or never came back). */
export function releaseGiveUpMs(context: ServiceContext, job: JobDoc): number {
  const release = job.entity.jobReleaseTask;
  const wallClock = wallClockMs(release?.maxWallClockTime ?? DEFAULT_RELEASE_WALL_CLOCK) ?? 15 * 60_000;
  return wallClock + 2 * context.leases.leaseMs;
}

/** Orders the job's releases (if not yet) and says whether the job still waits for some. */
export async function awaitReleases(context: ServiceContext, jobId: string): Promise<boolean> {
  const mutation = await context.store.mutateJob(jobId, (job) => {
    const now = context.clock.now();
    const ordered = withReleasesOrdered(job, now);
    const waiting = releasesOutstanding(ordered.job, now, releaseGiveUpMs(context, job)).length > 0;
    return { next: ordered.nodeIds.length > 0 ? ordered.job : undefined, result: waiting };
  });
  return mutation?.result === true;
}

/** Release tasks the node owes to ended jobs (sent with every heartbeat until the node reports them started). */
export async function releaseOrdersFor(
  context: ServiceContext,
  node: NodeDoc,
  accountUrl: string,
): Promise<JobTaskOrder[]> {
  const owed = (await context.store.listJobsInStates(['terminating', 'deleting'])).filter(
    (job) => job.internal.nodeTasks?.[node.entity.id]?.releaseOrdered === true,
  );
  if (owed.length === 0) return [];
  const pool = await context.store.getPool(node.poolId);
  const account = {
    accountName: context.accountName,
    accountUrl,
    userAccounts: pool?.entity.userAccounts ?? [],
    storage: context.storage,
    nowMs: context.clock.now(),
  };
  return owed.flatMap((job) => releaseOrder(job, account) ?? []);
}

/** The node's `preparing` tasks of the job go on: to `running` (preparation succeeded) or back to `active`. */
async function moveOnPreparing(
  context: ServiceContext,
  node: NodeDoc,
  jobId: string,
  succeeded: boolean,
): Promise<void> {
  for (const task of await context.store.listTasksHeldBy(node.poolId, node.entity.id)) {
    if (task.jobId !== jobId || task.entity.state !== 'preparing') continue;
    await context.store.mutateTask(jobId, task.entity.id, (current) => {
      if (current.entity.state !== 'preparing' || current.internal.lease?.nodeId !== node.entity.id) {
        return { next: undefined, result: undefined };
      }
      const now = isoNow(context);
      return {
        next: succeeded ? running(current, now) : recoveredFromLostNode(current, now),
        result: undefined,
      };
    });
  }
  if (!succeeded) context.work.notify();
}

function running(task: TaskDoc, now: string): TaskDoc {
  const executionInfo = {
    ...(task.entity.executionInfo ?? { retryCount: 0, requeueCount: 0 }),
    startTime: now,
  };
  return { ...task, entity: { ...transition(task.entity, 'running', now), executionInfo } };
}

/**
 * Records one report of the node. False when the job is gone or has no such task (the agent drops it).
 * `onReleaseDone` continues the job's end (settle, or finish its deletion) once a release completed.
 */
export async function recordJobTask(
  context: ServiceContext,
  node: NodeDoc,
  report: JobTaskReport,
  accountUrl: string,
  onReleaseDone: (jobId: string) => Promise<void>,
): Promise<boolean> {
  const ref = {
    poolId: node.poolId,
    nodeId: node.entity.id,
    boot: nodeBoot(node),
    nodeUrl: `${accountUrl}/pools/${node.poolId}/nodes/${node.entity.id}`,
  };
  const mutation = await context.store.mutateJob(report.jobId, (job) => {
    const next = withJobTaskReport(job, report, ref);
    return { next, result: next };
  });
  const job = mutation?.result;
  if (job === undefined) return false;
  if (report.kind === 'jobRelease') {
    if (report.state === 'completed') await onReleaseDone(report.jobId);
    return true;
  }
  if (report.state === 'completed' && report.final === true) {
    const status = prepStatus(job, node.entity.id, ref.boot);
    await moveOnPreparing(context, node, report.jobId, status === 'ready');
  }
  return true;
}
