/**
 * What the scheduler may start, decided inside the store's claim transaction:
 * - only active jobs of the node's pool (the store's query), by priority, tasks in insertion order;
 * - a job's `maxParallelTasks` bounds its running tasks (-1 = unlimited);
 * - a task needs `requiredSlots` free slots on the node;
 * - a task with `dependsOn` waits until every parent completed successfully, or failed with exit options
 *   `dependencyAction: satisfy`; a missing parent keeps it waiting. A range (start..end, numeric ids) is asked
 *   of the store as one indexed count, never walked id by id: its width may be 2^31;
 * - a job's manager task starts before its other tasks, and with runExclusive takes a whole idle node
 *   (job-manager-scheduling.ts);
 * - a multi-instance task is placed on all its nodes at once (gang-placement.ts), never claimed here;
 * - a job whose preparation task failed on the node runs none of its tasks there; a task that needs the
 *   preparation first starts `preparing` (job-node-tasks.ts).
 */
import { randomBytes } from 'node:crypto';
import type { TaskIdRange } from '@batchite/protocol';
import { taskRootDirectory } from '@batchite/protocol/task-files';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import type { ClaimPolicy } from '../store/store.js';
import { slotsOn, waitsForJobManager } from './job-manager-scheduling.js';
import { prepStatus, waitsForPreparation } from './job-node-tasks.js';
import { transition } from './service-context.js';

export interface NodeIdentity {
  poolId: string;
  nodeId: string;
  /** Base URL of the account, without trailing slash. */
  accountUrl: string;
  /** The node's registration (job-node-tasks.ts `nodeBoot`): a job's preparation reruns after a new one. */
  boot?: string;
}

export function parentSatisfied(parent: TaskDoc | undefined): boolean {
  if (parent === undefined || parent.entity.state !== 'completed') return false;
  return parent.entity.executionInfo?.result === 'success' || parent.internal.satisfiesDependents === true;
}

/** The ranges sorted and merged where they overlap or touch, so each task id is counted once. */
export function mergedRanges(ranges: readonly TaskIdRange[]): TaskIdRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: TaskIdRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && range.start <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ start: range.start, end: range.end });
  }
  return merged;
}

export function dependenciesMet(
  task: TaskDoc,
  lookup: (taskId: string) => TaskDoc | undefined,
  rangeSatisfied: (start: number, end: number) => boolean,
): boolean {
  const dependsOn = task.entity.dependsOn;
  if (dependsOn === undefined) return true;
  for (const id of dependsOn.taskIds ?? []) if (!parentSatisfied(lookup(id))) return false;
  for (const range of mergedRanges(dependsOn.taskIdRanges ?? [])) {
    if (!rangeSatisfied(range.start, range.end)) return false;
  }
  return true;
}

export function newLeaseToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The task as it starts on a node, holding `slots` there (more than requiredSlots when exclusive):
 * `running`, or `preparing` while the job's preparation runs there first. */
export function startedTask(
  task: TaskDoc,
  node: NodeIdentity,
  now: string,
  slots = task.entity.requiredSlots ?? 1,
  state: 'running' | 'preparing' = 'running',
): TaskDoc {
  const previous = task.entity.executionInfo ?? { retryCount: 0, requeueCount: 0 };
  const executionInfo = {
    retryCount: previous.retryCount,
    requeueCount: previous.requeueCount,
    startTime: now,
    ...(previous.lastRequeueTime === undefined ? {} : { lastRequeueTime: previous.lastRequeueTime }),
    ...(previous.lastRetryTime === undefined ? {} : { lastRetryTime: previous.lastRetryTime }),
  };
  if (task.internal.retryPending === true) executionInfo.lastRetryTime = now;
  const root = taskRootDirectory(task.jobId, task.entity.id);
  const nodeUrl = `${node.accountUrl}/pools/${node.poolId}/nodes/${node.nodeId}`;
  const { retryPending: _consumed, ...internal } = task.internal;
  return {
    ...task,
    entity: {
      ...transition(task.entity, state, now),
      executionInfo,
      nodeInfo: {
        affinityId: `TVM:${node.nodeId}`,
        nodeUrl,
        poolId: node.poolId,
        nodeId: node.nodeId,
        taskRootDirectory: root,
        taskRootDirectoryUrl: `${nodeUrl}/files/${root}`,
      },
    },
    internal: {
      ...internal,
      lease: {
        poolId: node.poolId,
        nodeId: node.nodeId,
        token: newLeaseToken(),
        ...(slots === (task.entity.requiredSlots ?? 1) ? {} : { slots }),
      },
      runs: (task.internal.runs ?? 0) + 1,
    },
  };
}

export function claimPolicy(node: NodeIdentity, now: string): ClaimPolicy {
  return {
    jobAllowance(job: JobDoc, running: number): number {
      const max = job.entity.maxParallelTasks ?? -1;
      return max === -1 ? Number.POSITIVE_INFINITY : max - running;
    },
    runnable: (task, job, lookup, range) =>
      // Multi-instance tasks take several nodes at once: gang-placement.ts places them, never a claim.
      task.entity.multiInstanceSettings === undefined &&
      !waitsForJobManager(task, job, lookup) &&
      prepStatus(job, node.nodeId, node.boot ?? '') !== 'blocked' &&
      dependenciesMet(task, lookup, range),
    slotsOn: (task, nodeSlots) => slotsOn(task, nodeSlots),
    start: (task, job, slots) => {
      const waits = waitsForPreparation(job, prepStatus(job, node.nodeId, node.boot ?? ''));
      return startedTask(task, node, now, slots, waits ? 'preparing' : 'running');
    },
  };
}
