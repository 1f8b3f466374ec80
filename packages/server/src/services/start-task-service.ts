/**
 * A pool's start task on each node (Batch semantics, Azure Batch REST reference "StartTask" and
 * "ComputeNodeState"). Every registration of a node is a boot: the register answer hands the agent the pool's
 * start task as it is at that moment (a later pool update applies to nodes that join or reboot afterwards), and
 * the agent reports each attempt here. Node states it sets:
 *
 *   register ──► starting ──first attempt starts──► waitingforstarttask (waitForSuccess)
 *                                                   idle/running        (no waitForSuccess: takes tasks at once)
 *   waitingforstarttask ──exit 0──► idle
 *                       ──exit≠0, retries left──► waitingforstarttask (retryCount+1)
 *                       ──exit≠0, retries used up (or launch or download failure)──► starttaskfailed (no tasks, ever, until
 *                                                                        the node reboots)
 *
 * Without waitForSuccess a failed start task only shows in `startTaskInfo`; the node keeps taking tasks.
 */
import { randomBytes } from 'node:crypto';
import type {
  ComputeNode,
  StartTask,
  StartTaskInformation,
  StartTaskOrder,
  StartTaskReport,
} from '@batchite/protocol';
import type { NodeDoc, NodeStartTask, PoolDoc } from '../store/documents.js';
import { attemptFailure } from './job-node-tasks.js';
import type { LinkedStorage } from './linked-storage.js';
import { resourceFileOrders } from './resource-file-orders.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { DEFAULT_RUN_AS, resolveRunAs } from './user-identity.js';

/** Node states in which the start task keeps the node from taking tasks. */
export const START_TASK_GATED_STATES: ReadonlySet<string> = new Set([
  'starting',
  'waitingforstarttask',
  'starttaskfailed',
]);

/** What a node registering now will run: undefined when the pool has no start task. */
export function startTaskForBoot(pool: PoolDoc): NodeStartTask | undefined {
  const spec = pool.entity.startTask;
  if (spec === undefined) return undefined;
  return { runId: randomBytes(12).toString('base64url'), spec };
}

/** Batch's default: the node waits for its start task unless told otherwise. */
function waitsForSuccess(spec: StartTask): boolean {
  return spec.waitForSuccess !== false;
}

/** The order in the register answer. */
export function startTaskOrder(
  boot: NodeStartTask,
  pool: PoolDoc,
  account: { accountName: string; accountUrl: string; storage?: LinkedStorage | undefined; nowMs: number },
): StartTaskOrder {
  const environment: Record<string, string> = {};
  for (const setting of boot.spec.environmentSettings ?? []) environment[setting.name] = setting.value ?? '';
  Object.assign(environment, {
    AZ_BATCH_ACCOUNT_NAME: account.accountName,
    AZ_BATCH_ACCOUNT_URL: account.accountUrl,
  });
  const order: StartTaskOrder = {
    runId: boot.runId,
    commandLine: boot.spec.commandLine,
    environment,
    runAs: resolveRunAs(boot.spec.userIdentity, pool.entity.userAccounts ?? []) ?? DEFAULT_RUN_AS,
    maxTaskRetryCount: boot.spec.maxTaskRetryCount ?? 0,
    waitForSuccess: waitsForSuccess(boot.spec),
  };
  const files = boot.spec.resourceFiles ?? [];
  if (files.length > 0) order.resourceFiles = resourceFileOrders(files, account.storage, account.nowMs);
  return order;
}

/**
 * The node state the start task imposes, or undefined when the node's state follows what it runs (no start
 * task, it succeeded, or the node does not wait for it and it has started).
 */
export function startTaskNodeState(node: NodeDoc): ComputeNode['state'] | undefined {
  const boot = node.internal.startTask;
  if (boot === undefined) return undefined;
  const info = node.entity.startTaskInfo;
  if (info === undefined) return 'starting';
  if (!waitsForSuccess(boot.spec)) return undefined;
  if (info.state === 'running') return 'waitingforstarttask';
  return info.result === 'failure' ? 'starttaskfailed' : undefined;
}

/** `startTaskInfo` after one report. A failed attempt that is retried keeps the state `running`. */
function startTaskInfo(report: StartTaskReport): StartTaskInformation {
  const base: StartTaskInformation = {
    state: 'running',
    startTime: report.startTime,
    retryCount: report.retryCount,
    ...(report.retryCount > 0 ? { lastRetryTime: report.startTime } : {}),
  };
  if (report.state === 'running') return base;
  const failureInfo = attemptFailure(report);
  return {
    ...base,
    state: report.final === true ? 'completed' : 'running',
    ...(report.endTime === undefined ? {} : { endTime: report.endTime }),
    ...(report.exitCode === undefined ? {} : { exitCode: report.exitCode }),
    result: failureInfo === undefined ? 'success' : 'failure',
    ...(failureInfo === undefined ? {} : { failureInfo }),
  };
}

/** The state of a node that the start task does not hold back: from what it runs. */
function runningState(node: NodeDoc): NonNullable<ComputeNode['state']> {
  const state = node.entity.state;
  if (state !== undefined && !START_TASK_GATED_STATES.has(state) && state !== 'idle' && state !== 'running') {
    return state;
  }
  return (node.entity.runningTasksCount ?? 0) > 0 ? 'running' : 'idle';
}

/**
 * Records one attempt of the node's start task. False when the report is about another boot's run (the node
 * registered again since): it changes nothing.
 */
export async function recordStartTask(
  context: ServiceContext,
  node: NodeDoc,
  report: StartTaskReport,
): Promise<boolean> {
  const mutation = await context.store.mutateNode(node.poolId, node.entity.id, (current) => {
    if (current.internal.startTask?.runId !== report.runId) return { next: undefined, result: false };
    const withInfo: NodeDoc = {
      ...current,
      entity: { ...current.entity, startTaskInfo: startTaskInfo(report) },
    };
    const state = startTaskNodeState(withInfo) ?? runningState(withInfo);
    return {
      next: { ...withInfo, entity: transition(withInfo.entity, state, isoNow(context)) },
      result: true,
    };
  });
  if (mutation?.result !== true) return false;
  // The node may take tasks now: waiting claims (its own long poll among them) look again.
  context.work.notify();
  return true;
}
