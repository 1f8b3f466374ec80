/**
 * What happens between a node and its tasks: claims (long poll), heartbeats (lease renewal and cancels) and
 * completions (the task state machine in task-lifecycle.ts, then the job's reaction).
 */
import type { CancelOrder, CancelReason, HeartbeatResponse, LeaseRef } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { NodeDoc, TaskDoc } from '../store/documents.js';
import type { Mutation } from '../store/store.js';
import { gangRetryInMs } from './gang-hints.js';
import { placeGangs } from './gang-placement.js';
import {
  awaitsApplication,
  gangCancelReason,
  gangDeliveries,
  parseInstanceToken,
  pruneGangRuns,
  recordCoordination,
  releaseGang,
} from './gang-runs.js';
import { claimPolicy } from './scheduler-policy.js';
import { nodeBoot } from './job-node-tasks.js';
import { releaseOrdersFor } from './job-task-service.js';
import { disableJob, settleJobState, terminateJobFor } from './jobs-service.js';
import { afterJobManagerCompleted } from './job-manager.js';
import { isRestarting, restartOrderFor } from './node-restart.js';
import { START_TASK_GATED_STATES } from './start-task-service.js';
import { addRunToTask, recordRun, runDelta } from './statistics.js';
import { nodeAccounting, refreshNode } from './nodes-service.js';
import { isoNow, type ServiceContext } from './service-context.js';
import {
  applyCompletion,
  onNode,
  recoveredFromLostNode,
  type CompletionOutcome,
  type CompletionReport,
} from './task-lifecycle.js';
import { taskRetryBackoffOf, taskRetryDelay } from './task-retry-backoff.js';

export interface ClaimOptions {
  freeSlots: number;
  waitMs: number;
  /** Base URL of the account (no trailing slash), for nodeInfo URLs. */
  accountUrl: string;
  signal?: AbortSignal;
}

/** Claims tasks for the node; waits (up to `waitMs`) for work when nothing is runnable. */
export async function claimForNode(
  context: ServiceContext,
  node: NodeDoc,
  options: ClaimOptions,
): Promise<TaskDoc[]> {
  const deadline = context.clock.now() + Math.min(options.waitMs, context.leases.claimWaitMs);
  const accounting = nodeAccounting(context, node, { renew: true }, options.accountUrl);
  for (let round = 0; ; round++) {
    // A signal while this round's transaction runs (an asynchronous one on PostgreSQL) finds no waiter yet:
    // the generation tells that one came, and the next round starts at once instead of sleeping through it.
    const generation = context.work.generation;
    await placeGangs(context, node.poolId, options.accountUrl);
    // One transaction per round: the node's lease and counts, the claim, the counts again with what started.
    const claim = await context.store.claimTasksForNode(
      accounting,
      { now: context.clock.now(), freeSlots: (current) => freeSlotsOf(current, round, options.freeSlots) },
      claimPolicy(
        { poolId: node.poolId, nodeId: node.entity.id, accountUrl: options.accountUrl, boot: nodeBoot(node) },
        isoNow(context),
      ),
    );
    if (claim === undefined) throw apiError('NodeNotFound');
    // A restarting node's long poll waits as usual (its agent learns of the restart from a heartbeat); a node
    // held back by its start task waits like a node with nothing to do (the start task's report wakes it).
    if (!schedulable(claim.node) && !isRestarting(claim.node) && !startTaskGated(claim.node)) return [];
    const claimed = [...claim.tasks, ...(await gangDeliveries(context, claim.node))];
    const remaining = deadline - context.clock.now();
    if (claimed.length > 0 || remaining <= 0 || options.signal?.aborted === true) {
      for (const task of claimed) context.events.emit('taskClaimed', waitedMs(task));
      return claimed;
    }
    if (context.work.generation !== generation) continue;
    const wait = new AbortController();
    const onAbort = () => wait.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // A multi-instance task waiting for nodes is tried again on time, even when no work signal comes.
    const sleep = Math.min(remaining, Math.max(1, gangRetryInMs(context, node.poolId)));
    await context.work.wait(
      context.clock.sleep(sleep, wait.signal).catch(() => undefined),
      wait.signal,
    );
    wait.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function schedulable(node: NodeDoc): boolean {
  if (node.entity.state === 'leavingpool' || isRestarting(node) || startTaskGated(node)) return false;
  return node.entity.schedulingState !== 'disabled';
}

function startTaskGated(node: NodeDoc): boolean {
  return START_TASK_GATED_STATES.has(node.entity.state ?? '');
}

/** Slots a claim round may fill, from the node as accounted at the start of the round. */
function freeSlotsOf(node: NodeDoc, round: number, agentFree: number): number {
  if (!schedulable(node)) return 0;
  // The agent's count is a snapshot taken when it sent the claim; while the claim waits, the server's own
  // accounting (recomputed each round from the tasks the node holds) is the truth.
  const serverFree = node.internal.slots - (node.entity.runningTaskSlotsCount ?? 0);
  return round === 0 ? Math.min(agentFree, serverFree) : serverFree;
}

/** How long a just-claimed task had been active. */
function waitedMs(task: TaskDoc): number {
  const since = Date.parse(task.entity.previousStateTransitionTime ?? task.entity.creationTime ?? '');
  const started = Date.parse(task.entity.stateTransitionTime ?? '');
  return Number.isNaN(since) || Number.isNaN(started) ? 0 : Math.max(0, started - since);
}

export type RunningLease = LeaseRef;

export type Cancel = CancelOrder;

function cancelReason(
  task: TaskDoc | undefined,
  lease: RunningLease,
  nodeId: string,
): CancelReason | undefined {
  if (task === undefined) return 'deleted';
  if (parseInstanceToken(lease.leaseToken) !== undefined)
    return gangCancelReason(task, lease.leaseToken, nodeId);
  const held = task.internal.lease;
  if (held !== undefined && held.token === lease.leaseToken && held.nodeId === nodeId) return undefined;
  if (task.entity.state === 'completed' && task.entity.executionInfo?.failureInfo?.code === 'TaskEnded') {
    return 'terminated';
  }
  if (task.entity.state === 'active') return 'requeued';
  return 'leaseLost';
}

function faultKill(context: ServiceContext, node: NodeDoc, lease: RunningLease): CancelReason | undefined {
  if (!context.faults.active) return undefined;
  const target = { poolId: node.poolId, nodeId: node.entity.id, jobId: lease.jobId, taskId: lease.taskId };
  return context.faults.killTask(target) ? 'fault' : undefined;
}

/**
 * Tasks the server thinks the node runs but the node no longer lists (it lost or dropped them) go back to
 * active like a lost node's. A task claimed moments ago may not be in the list yet, so only runs older than a
 * lease are considered.
 */
async function recoverUnlisted(
  context: ServiceContext,
  node: NodeDoc,
  running: readonly RunningLease[],
): Promise<void> {
  const listed = new Set(running.map((lease) => lease.leaseToken));
  const startedBefore = context.clock.now() - context.leases.leaseMs;
  for (const task of await context.store.listTasksHeldBy(node.poolId, node.entity.id)) {
    const token = task.internal.lease?.token;
    const started = Date.parse(task.entity.executionInfo?.startTime ?? '');
    if (token === undefined || listed.has(token) || !(started < startedBefore)) continue;
    // A multi-instance primary runs nothing of its own between its coordination and application commands.
    if (awaitsApplication(task)) continue;
    const mutation = await context.store.mutateTask(task.jobId, task.entity.id, (current) =>
      current.internal.lease?.token === token && onNode(current)
        ? { next: recoveredFromLostNode(current, isoNow(context)), result: undefined }
        : { next: undefined, result: undefined },
    );
    if (mutation?.next !== undefined) context.events.emit('taskRequeued', 'node_lost');
    context.work.notify();
  }
}

/** Renews the node's lease and tells it which of its processes to kill. */
export async function heartbeat(
  context: ServiceContext,
  node: NodeDoc,
  running: readonly RunningLease[],
  accountUrl: string,
): Promise<HeartbeatResponse> {
  await pruneGangRuns(context, node);
  const refreshed = await refreshNode(context, node, { renew: true }, accountUrl);
  const jobReleases = await releaseOrdersFor(context, node, `${accountUrl}/`);
  const cancel: Cancel[] = [];
  for (const lease of running) {
    const task = await context.store.getTask(lease.jobId, lease.taskId);
    const reason = cancelReason(task, lease, node.entity.id) ?? faultKill(context, node, lease);
    if (reason !== undefined)
      cancel.push({ jobId: lease.jobId, taskId: lease.taskId, leaseToken: lease.leaseToken, reason });
  }
  await recoverUnlisted(context, node, running);
  const answer: HeartbeatResponse = { leaseExpiresAt: refreshed.internal.leaseExpiresAt ?? 0, cancel };
  if (jobReleases.length > 0) answer.jobReleases = jobReleases;
  const restart = restartOrderFor(refreshed);
  if (restart !== undefined) answer.restart = restart;
  return answer;
}

export interface CompletionRequest extends CompletionReport {
  jobId: string;
  taskId: string;
}

/**
 * Records a finished run. False when the node no longer holds the task (the report is ignored). With
 * `wakeWaiters: false` the caller wakes the waiting claims itself, later (see the `claimNext` route).
 */
export async function completeOnNode(
  context: ServiceContext,
  node: NodeDoc,
  report: CompletionRequest,
  accountUrl: string,
  { wakeWaiters = true }: { wakeWaiters?: boolean } = {},
): Promise<boolean> {
  if (parseInstanceToken(report.leaseToken) !== undefined) {
    const outcome = await recordCoordination(context, node, report.jobId, report.taskId, report);
    if (outcome.kind !== 'failed') return outcome.kind === 'coordinated';
    // A failed coordination command fails the task's run, as the primary's own failure would.
    const primary = await context.store.getNode(node.poolId, outcome.primaryNodeId);
    if (primary === undefined) return true;
    const failure = { ...outcome.report, jobId: report.jobId, taskId: report.taskId };
    await completeOnNode(context, primary, failure, accountUrl, { wakeWaiters });
    return true;
  }
  const job = await context.store.getJob(report.jobId);
  const backoff = taskRetryBackoffOf(job?.entity.metadata);
  const accounting = nodeAccounting(context, node, {}, accountUrl);
  const mutator = (task: TaskDoc): Mutation<TaskDoc, CompletionOutcome | undefined> => {
    const lease = task.internal.lease;
    // `preparing` too: a task claimed while its node reported the preparation's success may miss the move on.
    if (!onNode(task) || lease?.token !== report.leaseToken || lease.nodeId !== node.entity.id) {
      return { next: undefined, result: undefined };
    }
    const outcome = applyCompletion(task, report, isoNow(context));
    outcome.task = addRunToTask(outcome.task, report, isoNow(context));
    if (!outcome.completed && backoff !== undefined) {
      const retry = outcome.task.entity.executionInfo?.retryCount ?? 1;
      const notBefore = context.clock.now() + taskRetryDelay(backoff, retry, context.random);
      outcome.task = { ...outcome.task, internal: { ...outcome.task.internal, notBefore } };
    }
    return { next: outcome.task, result: outcome };
  };
  // One transaction: the task's transition and the node's accounting of the finished run.
  const mutation = await context.store.completeTask(report.jobId, report.taskId, mutator, accounting);
  const outcome = mutation?.result;
  if (outcome === undefined || mutation?.next === undefined) return false;
  if (mutation.node === undefined) throw apiError('NodeNotFound');
  if (job !== undefined)
    await recordRun(context, job, node.poolId, runDelta(report, mutation.next, outcome.completed));
  await releaseGang(context, mutation.next.internal.gang, (other) =>
    refreshNode(context, other, {}, accountUrl),
  );
  context.events.emit('taskRun', runResult(report), runDurationMs(report), !outcome.completed);
  if (wakeWaiters) context.work.notify();
  if (outcome.completed) {
    context.events.emit('taskCompleted', report.jobId, report.taskId);
    await applyJobAction(context, report.jobId, outcome.jobAction);
    await afterJobManagerCompleted(context, mutation.next);
  }
  await settleJobState(context, report.jobId);
  return true;
}

function runResult(report: CompletionReport): 'success' | 'failure' | 'timeout' {
  if (report.killedBy === 'wallClock') return 'timeout';
  return report.launchError === undefined && report.exitCode === 0 ? 'success' : 'failure';
}

function runDurationMs(report: CompletionReport): number {
  const duration = Date.parse(report.endTime ?? '') - Date.parse(report.startTime ?? '');
  return Number.isNaN(duration) ? 0 : Math.max(0, duration);
}

/** The exit options' job action, applied only when the job's onTaskFailure asks for it (Azure Batch REST reference). */
async function applyJobAction(
  context: ServiceContext,
  jobId: string,
  action: 'terminate' | 'disable' | undefined,
): Promise<void> {
  if (action === undefined) return;
  const job = await context.store.getJob(jobId);
  if (job?.entity.onTaskFailure !== 'performexitoptionsjobaction') return;
  const state = job.entity.state;
  if (action === 'terminate' && (state === 'active' || state === 'disabled' || state === 'disabling')) {
    await terminateJobFor(context, jobId, 'TaskFailed');
  } else if (action === 'disable' && state === 'active') {
    await disableJob(context, jobId, 'requeue');
  }
}
