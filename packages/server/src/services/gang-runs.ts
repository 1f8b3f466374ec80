/**
 * A placed multi-instance task on its nodes — the server holds the barrier (Batch "multi-instance tasks",
 * https://learn.microsoft.com/azure/batch/batch-mpi):
 *
 *   placed ─each node's claim─► coordination command runs on every instance (primary included)
 *     ├─ one fails (non-zero exit, launch failure, wall clock) ─► the whole task fails like a failed run
 *     │                                                          (retried while retries are left)
 *     └─ all succeeded ─► the primary's next claim gets the application command (the task's commandLine);
 *                         its end is the task's end; the subtasks hold their nodes until then.
 *
 * Each instance's coordination run carries its own lease token `<gang token>.<instance>`; the application run
 * carries the task's lease token, so its completion is an ordinary one (execution-service.ts).
 */
import type { CancelReason, EnvironmentSetting, TaskFailureInformation } from '@batchite/protocol';
import type { GangInstance, GangRun, NodeDoc, TaskDoc, TaskGang } from '../store/documents.js';
import type { Mutation } from '../store/store.js';
import { hintGangPlacement } from './gang-hints.js';
import { isoNow, type ServiceContext } from './service-context.js';
import { onNode, type CompletionReport } from './task-lifecycle.js';

/** The port Batch reserves on the primary for AZ_BATCH_MASTER_NODE. */
const MASTER_PORT = 6000;

export function instanceToken(gang: TaskGang, instance: number): string {
  return `${gang.token}.${instance}`;
}

/** The placement token and instance of a coordination run's lease token; undefined for ordinary tokens. */
export function parseInstanceToken(token: string): { token: string; instance: number } | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const instance = Number(token.slice(dot + 1));
  return Number.isInteger(instance) && instance >= 0 ? { token: token.slice(0, dot), instance } : undefined;
}

/** The task's current placement when it still runs `run` (same token) with this node as that instance. */
function liveGang(task: TaskDoc | undefined, run: { token: string; instance: number }, nodeId: string) {
  const gang = task?.internal.gang;
  if (task === undefined || gang === undefined || !onNode(task) || gang.token !== run.token) return undefined;
  return gang.instances[run.instance]?.nodeId === nodeId ? gang : undefined;
}

/** The multi-instance variables Batch sets for the primary and every subtask (azure-batch node environment docs). */
export function gangEnvironment(gang: TaskGang, instance: number): EnvironmentSetting[] {
  const ips = gang.instances.map((entry) => entry.ipAddress);
  const values: Record<string, string> = {
    AZ_BATCH_HOST_LIST: ips.join(','),
    AZ_BATCH_NODE_LIST: ips.join(';'),
    AZ_BATCH_MASTER_NODE: `${ips[0] ?? ''}:${MASTER_PORT}`,
    AZ_BATCH_IS_CURRENT_NODE_MASTER: instance === 0 ? 'true' : 'false',
    CCP_NODES: [String(ips.length), ...ips.map((ip) => `${ip} 1`)].join(' '),
  };
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}

/**
 * The run the agent gets: the task with the command line, lease token and environment of this step. Resource
 * files as Batch hands them out: the common ones to every instance's coordination run (into the task's shared
 * directory), the task's own to the primary's application run only (into its working directory).
 */
function runOf(task: TaskDoc, gang: TaskGang, instance: number, application: boolean): TaskDoc {
  const lease = task.internal.lease;
  const token = application ? (lease?.token ?? '') : instanceToken(gang, instance);
  const commandLine = application
    ? task.entity.commandLine
    : task.entity.multiInstanceSettings?.coordinationCommandLine;
  const environmentSettings = [
    ...(task.entity.environmentSettings ?? []),
    ...gangEnvironment(gang, instance),
  ];
  const node = gang.instances[instance];
  const { resourceFiles, multiInstanceSettings, ...entity } = task.entity;
  const files = application
    ? { ...(resourceFiles === undefined ? {} : { resourceFiles }) }
    : { multiInstanceSettings };
  return {
    ...task,
    entity: { ...entity, ...files, commandLine: commandLine ?? '', environmentSettings },
    internal: {
      ...task.internal,
      lease: { poolId: node?.poolId ?? '', nodeId: node?.nodeId ?? '', token },
    },
  };
}

/**
 * What the node collects now: the coordination runs of instances placed on it, and the primary's application
 * run once every coordination command succeeded. Each is handed out once (written before it is returned).
 */
export async function gangDeliveries(context: ServiceContext, node: NodeDoc): Promise<TaskDoc[]> {
  const runs: TaskDoc[] = [];
  for (const run of node.internal.gangRuns ?? []) {
    const mutation = await context.store.mutateTask(run.jobId, run.taskId, (task) => {
      const gang = liveGang(task, run, node.entity.id);
      const entry = gang?.instances[run.instance];
      if (gang === undefined || entry === undefined) return { next: undefined, result: undefined };
      if (entry.state === 'placed') {
        const instances = gang.instances.map((item, index) =>
          index === run.instance ? { ...item, state: 'running' as const, startTime: isoNow(context) } : item,
        );
        const next = { ...task, internal: { ...task.internal, gang: { ...gang, instances } } };
        return { next, result: runOf(next, gang, run.instance, false) };
      }
      if (run.instance === 0 && gang.coordinated === true && gang.applicationStarted !== true) {
        const next = { ...task, internal: { ...task.internal, gang: { ...gang, applicationStarted: true } } };
        return { next, result: runOf(next, gang, 0, true) };
      }
      return { next: undefined, result: undefined };
    });
    if (mutation?.result !== undefined) runs.push(mutation.result);
  }
  return runs;
}

/** Why the node must stop a coordination run (undefined: it may go on). */
export function gangCancelReason(
  task: TaskDoc | undefined,
  leaseToken: string,
  nodeId: string,
): CancelReason | undefined {
  const run = parseInstanceToken(leaseToken);
  if (task === undefined) return 'deleted';
  if (run === undefined || liveGang(task, run, nodeId) !== undefined) return undefined;
  return task.entity.state === 'active' ? 'requeued' : 'leaseLost';
}

/** Whether the primary legitimately runs nothing for the task now (between its coordination and application). */
export function awaitsApplication(task: TaskDoc): boolean {
  return task.internal.gang !== undefined && task.internal.gang.applicationStarted !== true;
}

export type InstanceOutcome =
  | { kind: 'ignored' }
  | { kind: 'coordinated' }
  /** A coordination command failed: the caller ends the task's run with `report` under the task's lease. */
  | { kind: 'failed'; primaryNodeId: string; report: CompletionReport };

function failed(report: CompletionReport): boolean {
  return report.launchError !== undefined || report.killedBy !== undefined || report.exitCode !== 0;
}

/** The failure of a coordination run, as Batch words a task's (task-lifecycle.ts). */
function coordinationFailure(report: CompletionReport): TaskFailureInformation | undefined {
  // A common resource file that could not be downloaded: its Batch code (BlobAccessDenied, …).
  if (report.preProcessingError !== undefined) return { ...report.preProcessingError };
  if (report.launchError !== undefined) {
    return { category: 'usererror', code: report.launchError.code, message: report.launchError.message };
  }
  if (report.killedBy !== undefined) {
    return { category: 'usererror', code: 'TaskEnded', message: 'The coordination command was ended.' };
  }
  if (report.exitCode === 0) return undefined;
  return {
    category: 'usererror',
    code: 'FailureExitCode',
    message: 'The coordination command exited with an exit code representing a failure',
  };
}

/** Records the end of one coordination run. */
export async function recordCoordination(
  context: ServiceContext,
  node: NodeDoc,
  jobId: string,
  taskId: string,
  report: CompletionReport,
): Promise<InstanceOutcome> {
  const run = parseInstanceToken(report.leaseToken);
  if (run === undefined) return { kind: 'ignored' };
  const mutation = await context.store.mutateTask(
    jobId,
    taskId,
    (task): Mutation<TaskDoc, InstanceOutcome> => {
      const gang = liveGang(task, run, node.entity.id);
      const entry = gang?.instances[run.instance];
      if (gang === undefined || entry?.state !== 'running' || entry.coordinationEndTime !== undefined) {
        return { next: undefined, result: { kind: 'ignored' } };
      }
      const ended = { ...entry, coordinationEndTime: report.endTime ?? isoNow(context) };
      if (report.exitCode !== undefined) ended.exitCode = report.exitCode;
      const failureInfo = coordinationFailure(report);
      if (failureInfo !== undefined) ended.failureInfo = failureInfo;
      const instances = gang.instances.map((item, index) => (index === run.instance ? ended : item));
      const succeeded = (item: GangInstance) =>
        item.coordinationEndTime !== undefined && item.failureInfo === undefined;
      const coordinated = instances.every(succeeded);
      const next = { ...task, internal: { ...task.internal, gang: { ...gang, instances, coordinated } } };
      if (!failed(report)) return { next, result: { kind: 'coordinated' } };
      const lease = task.internal.lease;
      const outcome: InstanceOutcome = {
        kind: 'failed',
        primaryNodeId: lease?.nodeId ?? '',
        report: { ...report, leaseToken: lease?.token ?? '' },
      };
      return { next, result: outcome };
    },
  );
  const outcome: InstanceOutcome = mutation?.result ?? { kind: 'ignored' };
  if (outcome.kind === 'coordinated') context.work.notify();
  return outcome;
}

/** Drops the node's reservations of runs that ended (task ended, requeued or placed again elsewhere). */
export async function pruneGangRuns(context: ServiceContext, node: NodeDoc): Promise<void> {
  const runs = node.internal.gangRuns ?? [];
  if (runs.length === 0) return;
  const stale = new Set<GangRun>();
  for (const run of runs) {
    const task = await context.store.getTask(run.jobId, run.taskId);
    if (liveGang(task, run, node.entity.id) === undefined) stale.add(run);
  }
  if (stale.size === 0) return;
  const key = (run: GangRun) => `${run.jobId}\u0000${run.taskId}\u0000${run.token}\u0000${run.instance}`;
  const staleKeys = new Set([...stale].map(key));
  await context.store.mutateNode(node.poolId, node.entity.id, (current) => {
    const kept = (current.internal.gangRuns ?? []).filter((run) => !staleKeys.has(key(run)));
    const { gangRuns: _dropped, ...rest } = current.internal;
    const internal = kept.length === 0 ? rest : { ...rest, gangRuns: kept };
    return { next: { ...current, internal }, result: undefined };
  });
}

/** Releases the nodes of a task's placement that ended: each node's reservation goes, its counts follow. */
export async function releaseGang(
  context: ServiceContext,
  gang: TaskGang | undefined,
  refresh: (node: NodeDoc) => Promise<unknown>,
): Promise<void> {
  if (gang === undefined) return;
  for (const instance of gang.instances) {
    const node = await context.store.getNode(instance.poolId, instance.nodeId);
    if (node === undefined) continue;
    await pruneGangRuns(context, node);
    const current = await context.store.getNode(instance.poolId, instance.nodeId);
    if (current !== undefined) await refresh(current);
    hintGangPlacement(context, instance.poolId);
  }
}

/** Subtask instances (not the primary, which holds the lease) the node hosts: they count as running tasks. */
export function hostedSubtasks(node: NodeDoc): number {
  return (node.internal.gangRuns ?? []).filter((run) => run.instance > 0).length;
}
