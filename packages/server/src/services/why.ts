/**
 * "Why isn't my task running?" — the reason a waiting task is not running, as data (Batchite extension).
 *
 * Reasons are evaluated in a fixed order, the thing that must change first coming first; every reason that
 * applies is listed in `blockers`, the first is the primary `code`. Codes are a stable API (never renamed or
 * reused); messages may change. `outlook` tells whether waiting helps (`will-resolve`), someone must act
 * (`needs-action`) or the task can never run as configured (`never`).
 */
import type { JobExplanation, TaskExplanation, WaitCode, WaitInfo, WaitReason } from '@batchite/protocol';
import { idKey, WAIT_CODES } from '@batchite/protocol';
import type { JobDoc, NodeDoc, PoolDoc, TaskDoc } from '../store/documents.js';
import { getTask } from './tasks-service.js';
import { getJob } from './jobs-service.js';
import { parentStatus, slicer, type ParentStatus } from './dependency-status.js';
import type { ServiceContext } from './service-context.js';
import { jobManagerId } from './job-manager-scheduling.js';
import { jobManagerReasons } from './why-job-manager.js';
import { START_TASK_GATED_STATES } from './start-task-service.js';
import { multiInstanceReasons } from './why-multi-instance.js';

/** What the evaluation needs to know about the task's surroundings, gathered once per job. */
export interface PoolView {
  pool?: PoolDoc;
  nodes: NodeDoc[];
  /** Running tasks of the job. */
  jobRunning: number;
  /** Active tasks of other jobs in the pool with a higher priority. */
  higherPriorityWaiting: number;
  /** The job's manager task, when it has one. */
  manager?: TaskDoc;
}

const USABLE = new Set(['idle', 'running']);

function usableNodes(view: PoolView): NodeDoc[] {
  return view.nodes.filter(
    (node) => USABLE.has(node.entity.state ?? '') && node.entity.schedulingState !== 'disabled',
  );
}

/**
 * When every node is held back by the pool's start task: still running it (waiting helps) or failed on all of
 * them (someone must fix the start task and reboot or replace the nodes).
 */
function startTaskReason(nodes: NodeDoc[], poolId: string): WaitReason | undefined {
  const states = nodes.map((node) => node.entity.state ?? 'unknown');
  if (states.length === 0 || !states.every((state) => START_TASK_GATED_STATES.has(state))) return undefined;
  const failed = states.filter((state) => state === 'starttaskfailed').length;
  if (failed === states.length) {
    return {
      code: 'StartTaskFailed',
      outlook: 'needs-action',
      message: `The start task of pool ${poolId} failed on all ${failed} nodes (startTaskInfo on each node says why); no task is scheduled on them. Fix the pool's start task, then reboot or replace the nodes.`,
      details: { nodeStates: states },
    };
  }
  return {
    code: 'NodesRunningStartTask',
    outlook: 'will-resolve',
    message: `The nodes of pool ${poolId} are running the pool's start task (waitForSuccess); tasks start once it succeeds (${states.join(', ')}).`,
    details: { nodeStates: states },
  };
}

/** Nodes that could run tasks but whose scheduling an operator disabled. */
function disabledNodes(view: PoolView): NodeDoc[] {
  return view.nodes.filter(
    (node) => USABLE.has(node.entity.state ?? '') && node.entity.schedulingState === 'disabled',
  );
}

function freeSlots(nodes: NodeDoc[]): number {
  return nodes.reduce(
    (sum, node) => sum + Math.max(0, node.internal.slots - (node.entity.runningTaskSlotsCount ?? 0)),
    0,
  );
}

function jobReasons(job: JobDoc): WaitReason[] {
  const state = job.entity.state;
  if (state === 'disabling' || state === 'disabled') {
    return [
      {
        code: 'JobDisabled',
        outlook: 'needs-action',
        message: `Job ${job.entity.id} is ${state}; its tasks wait until it is enabled.`,
        action: `batchite job enable ${job.entity.id}`,
      },
    ];
  }
  if (state === 'terminating' || state === 'completed' || state === 'deleting') {
    const reason = job.entity.executionInfo?.terminateReason;
    return [
      {
        code: 'JobTerminated',
        outlook: 'never',
        message: `Job ${job.entity.id} is ${state}${reason === undefined ? '' : ` (${reason})`}; this task will never run.`,
      },
    ];
  }
  return [];
}

function dependencyReasons(task: TaskDoc, parents: ParentStatus | undefined): WaitReason[] {
  if (parents === undefined || parents.total === 0) return [];
  const first = parents.failed[0];
  if (parents.failedCount > 0 && first !== undefined) {
    return [
      {
        code: 'DependencyFailed',
        outlook: 'never',
        message: `Parent ${first} failed (exit ${parents.firstFailedExitCode ?? 'none'}); with dependencyAction=block this task will never run. Reactivate ${first} or delete this task.`,
        details: { failedParents: parents.failed },
        action: `batchite task reactivate ${task.jobId} ${first}`,
      },
    ];
  }
  if (parents.waitingCount === 0) return [];
  const { waiting, waitingCount, missingCount } = parents;
  return [
    {
      code: 'WaitingOnDependencies',
      outlook: 'will-resolve',
      message: `Waiting on ${waitingCount} of ${parents.total} parents: ${waiting.slice(0, 5).join(', ')}${waitingCount > 5 ? ', …' : ''}${missingCount > 0 ? ` (${missingCount} not added yet)` : ''}.`,
      details: { waitingOn: waiting, missing: parents.missing },
    },
  ];
}

function capacityReasons(task: TaskDoc, job: JobDoc, view: PoolView): WaitReason[] {
  const poolId = job.entity.poolInfo?.poolId ?? '';
  const pool = view.pool;
  if (pool === undefined) {
    return [
      {
        code: 'PoolNotFound',
        outlook: 'needs-action',
        message: `Job ${job.entity.id} targets pool ${poolId}, which does not exist. Create it or point the job at another pool.`,
      },
    ];
  }
  const reasons: WaitReason[] = [];
  const required = task.entity.requiredSlots ?? 1;
  const perNode = pool.entity.taskSlotsPerNode ?? 1;
  if (required > perNode) {
    reasons.push({
      code: 'SlotsExceedNodeSize',
      outlook: 'never',
      message: `Needs ${required} slots but nodes in pool ${poolId} have ${perNode}; it can never be scheduled. Lower requiredSlots or use a pool with taskSlotsPerNode ≥ ${required}.`,
    });
  }
  const target = (pool.entity.targetDedicatedNodes ?? 0) + (pool.entity.targetLowPriorityNodes ?? 0);
  const usable = usableNodes(view);
  if (view.nodes.length === 0 && target === 0) {
    reasons.push({
      code: 'PoolHasNoNodes',
      outlook: 'needs-action',
      message: `Pool ${poolId} has 0 nodes (target 0). Resize the pool or start an agent.`,
      action: `batchite agent --pool ${poolId}`,
    });
  } else if (
    usable.length === 0 &&
    (pool.entity.allocationState === 'resizing' || view.nodes.length < target)
  ) {
    reasons.push({
      code: 'NodesStarting',
      outlook: 'will-resolve',
      message: `Pool ${poolId} is bringing up nodes (${view.nodes.length} of ${target} joined); none can take tasks yet.`,
    });
  } else if (usable.length === 0 && disabledNodes(view).length > 0) {
    const disabled = disabledNodes(view).map((node) => node.entity.id);
    reasons.push({
      code: 'NodesSchedulingDisabled',
      outlook: 'needs-action',
      message: `Scheduling is disabled on ${disabled.length} of ${view.nodes.length} node(s) of pool ${poolId} and no other node can run tasks. Enable it (enablescheduling) on one of them.`,
      details: { disabledNodes: disabled },
    });
  } else if (usable.length === 0) {
    const states = view.nodes.map((node) => node.entity.state ?? 'unknown');
    reasons.push(
      startTaskReason(view.nodes, poolId) ?? {
        code: 'NoUsableNodes',
        outlook: 'needs-action',
        message: `0/${view.nodes.length} nodes in pool ${poolId} can run tasks (${states.join(', ')}).`,
        details: { nodeStates: states },
      },
    );
  }
  const max = job.entity.maxParallelTasks ?? -1;
  if (max !== -1 && view.jobRunning >= max) {
    reasons.push({
      code: 'JobMaxParallelTasks',
      outlook: 'will-resolve',
      message: `Job ${job.entity.id} already runs ${view.jobRunning} of its maxParallelTasks=${max}.`,
    });
  }
  if (usable.length > 0 && view.higherPriorityWaiting > 0) {
    reasons.push({
      code: 'Priority',
      outlook: 'will-resolve',
      message: `${view.higherPriorityWaiting} tasks of higher-priority jobs in pool ${poolId} are ahead.`,
    });
  }
  if (usable.length > 0 && freeSlots(usable) < required) {
    const running = usable.reduce((sum, node) => sum + (node.entity.runningTasksCount ?? 0), 0);
    reasons.push({
      code: 'NodesBusy',
      outlook: 'will-resolve',
      message: `All slots on ${usable.length} node(s) of pool ${poolId} are busy (${running} tasks running).`,
      details: { freeSlots: freeSlots(usable), requiredSlots: required },
    });
  }
  return reasons;
}

/** Every reason a waiting task does not run, primary first. */
export function waitReasons(
  task: TaskDoc,
  job: JobDoc,
  view: PoolView,
  parents: ParentStatus | undefined,
  now: number,
): WaitReason[] {
  const reasons = [...jobReasons(job), ...dependencyReasons(task, parents)];
  const notBefore = task.internal.notBefore;
  if (notBefore !== undefined && notBefore > now) {
    reasons.push({
      code: 'RetryBackoff',
      outlook: 'will-resolve',
      message: `Run ${(task.entity.executionInfo?.retryCount ?? 0) + 1} failed before; the next one starts no earlier than ${new Date(notBefore).toISOString()}.`,
    });
  }
  reasons.push(...capacityReasons(task, job, view));
  reasons.push(...jobManagerReasons(task, job, view.manager, usableNodes(view)));
  reasons.push(...multiInstanceReasons(task, view.pool, usableNodes(view)));
  const order = (reason: WaitReason) => WAIT_CODES.indexOf(reason.code);
  reasons.sort((a, b) => order(a) - order(b));
  if (reasons.length === 0) {
    reasons.push({
      code: 'NotYetEvaluated',
      outlook: 'will-resolve',
      message: 'Nothing blocks this task; a node will claim it on its next request.',
    });
  }
  return reasons;
}

export function waitInfo(task: TaskDoc, reasons: WaitReason[], now: number): WaitInfo {
  const primary = reasons[0]!;
  const info: WaitInfo = { ...primary, evaluatedAt: new Date(now).toISOString(), blockers: reasons };
  if (task.entity.stateTransitionTime !== undefined) info.since = task.entity.stateTransitionTime;
  if (primary.code === 'RetryBackoff' && task.internal.notBefore !== undefined) {
    info.nextChangeAt = new Date(task.internal.notBefore).toISOString();
  }
  return info;
}

/** Gathers the pool view for a job (one pass, shared by every task of the job). */
export async function poolView(context: ServiceContext, job: JobDoc): Promise<PoolView> {
  const poolId = job.entity.poolInfo?.poolId;
  const pool = poolId === undefined ? undefined : await context.store.getPool(poolId);
  const nodes = pool === undefined ? [] : await context.store.listNodes(pool.entity.id, { limit: 10_000 });
  const jobRunning = (await context.store.countTasks(job.entity.id)).running;
  let higherPriorityWaiting = 0;
  if (pool !== undefined) {
    for (const other of await context.store.listJobsInStates(['active'])) {
      if (other.entity.poolInfo?.poolId?.toLowerCase() !== pool.entity.id.toLowerCase()) continue;
      if ((other.entity.priority ?? 0) <= (job.entity.priority ?? 0) || other.entity.id === job.entity.id)
        continue;
      higherPriorityWaiting += (await context.store.countTasks(other.entity.id)).active;
    }
  }
  const managerId = jobManagerId(job);
  const manager = managerId === undefined ? undefined : await context.store.getTask(job.entity.id, managerId);
  return {
    ...(pool === undefined ? {} : { pool }),
    ...(manager === undefined ? {} : { manager }),
    nodes,
    jobRunning,
    higherPriorityWaiting,
  };
}

export async function explainTask(
  context: ServiceContext,
  jobId: string,
  taskId: string,
): Promise<TaskExplanation> {
  const job = await getJob(context, jobId);
  const task = await getTask(context, jobId, taskId);
  const info = task.entity.executionInfo;
  const base = {
    jobId: job.entity.id,
    taskId: task.entity.id,
    state: task.entity.state ?? 'active',
    retryCount: info?.retryCount ?? 0,
    requeueCount: info?.requeueCount ?? 0,
  };
  if (task.entity.state === 'running' || task.entity.state === 'preparing') {
    return {
      ...base,
      summary: `Running on node ${task.entity.nodeInfo?.nodeId ?? '?'} of pool ${task.entity.nodeInfo?.poolId ?? '?'} since ${info?.startTime ?? '?'}.`,
    };
  }
  if (task.entity.state === 'completed') {
    const failure = info?.failureInfo;
    const how =
      info?.result === 'success'
        ? 'succeeded'
        : `failed (${failure?.code ?? 'failure'}${info?.exitCode === undefined ? '' : `, exit ${info.exitCode}`})`;
    return { ...base, summary: `Completed at ${info?.endTime ?? '?'}: ${how}.` };
  }
  const now = context.clock.now();
  const reasons = waitReasons(
    task,
    job,
    await poolView(context, job),
    await parentStatus(context, task),
    now,
  );
  const wait = waitInfo(task, reasons, now);
  return { ...base, waitInfo: wait, summary: wait.message };
}

/** Scan limit of the job-wide histogram, so a job of a million tasks still answers quickly. */
export const JOB_WHY_SCAN_LIMIT = 5000;
/** Tasks parsed per store read of the job-wide scan. */
const JOB_WHY_PAGE = 500;

/** Active tasks of the job, up to the scan limit, read a page at a time with a pause between pages. */
async function activeTasks(context: ServiceContext, jobId: string): Promise<TaskDoc[]> {
  const tasks: TaskDoc[] = [];
  const pause = slicer();
  for (;;) {
    await pause();
    const afterKey = tasks.at(-1)?.entity.id;
    const limit = Math.min(JOB_WHY_PAGE, JOB_WHY_SCAN_LIMIT - tasks.length);
    const page = await context.store.listTasks(jobId, {
      state: 'active',
      limit,
      ...(afterKey === undefined ? {} : { afterKey: idKey(afterKey) }),
    });
    tasks.push(...page);
    if (page.length < limit || tasks.length >= JOB_WHY_SCAN_LIMIT) return tasks;
  }
}

export async function explainJob(context: ServiceContext, jobId: string): Promise<JobExplanation> {
  const job = await getJob(context, jobId);
  const counts = await context.store.countTasks(job.entity.id);
  const view = await poolView(context, job);
  const now = context.clock.now();
  const active = await activeTasks(context, job.entity.id);
  const groups = new Map<WaitCode, JobExplanation['waiting'][number]>();
  const pause = slicer();
  for (const task of active) {
    await pause();
    const [primary] = waitReasons(task, job, view, await parentStatus(context, task), now);
    if (primary === undefined) continue;
    const group = groups.get(primary.code) ?? {
      code: primary.code,
      outlook: primary.outlook,
      count: 0,
      example: primary.message,
      taskIds: [],
    };
    group.count++;
    if (group.taskIds.length < 10) group.taskIds.push(task.entity.id);
    groups.set(primary.code, group);
  }
  return {
    jobId: job.entity.id,
    state: job.entity.state ?? 'active',
    counts: {
      active: counts.active,
      running: counts.running,
      completed: counts.completed,
      succeeded: counts.succeeded,
      failed: counts.failed,
    },
    waiting: [...groups.values()].sort((a, b) => b.count - a.count),
    truncated: counts.active > active.length,
    scanned: active.length,
  };
}
