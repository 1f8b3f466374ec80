/**
 * What the scheduler may start, decided inside the store's claim transaction:
 * - only active jobs of the node's pool (the store's query), by priority, tasks in insertion order;
 * - a job's `maxParallelTasks` bounds its running tasks (-1 = unlimited);
 * - a task needs `requiredSlots` free slots on the node;
 * - a task with `dependsOn` waits until every parent completed successfully, or failed with exit options
 *   `dependencyAction: satisfy` (reference §2.6); a missing parent keeps it waiting.
 */
import { randomBytes } from 'node:crypto';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import type { ClaimPolicy } from '../store/store.js';
import { transition } from './service-context.js';

export interface NodeIdentity {
  poolId: string;
  nodeId: string;
  /** Base URL of the account, without trailing slash. */
  accountUrl: string;
}

export function parentSatisfied(parent: TaskDoc | undefined): boolean {
  if (parent === undefined || parent.entity.state !== 'completed') return false;
  return parent.entity.executionInfo?.result === 'success' || parent.internal.satisfiesDependents === true;
}

/** Longest `taskIdRanges` span checked task by task; wider ranges are refused at add time. */
export const MAX_RANGE_SPAN = 100_000;

export function dependenciesMet(task: TaskDoc, lookup: (taskId: string) => TaskDoc | undefined): boolean {
  const dependsOn = task.entity.dependsOn;
  if (dependsOn === undefined) return true;
  for (const id of dependsOn.taskIds ?? []) if (!parentSatisfied(lookup(id))) return false;
  for (const range of dependsOn.taskIdRanges ?? []) {
    for (let id = range.start; id <= range.end; id++) if (!parentSatisfied(lookup(String(id)))) return false;
  }
  return true;
}

export function newLeaseToken(): string {
  return randomBytes(18).toString('base64url');
}

/** The task as it starts running on a node. */
export function startedTask(task: TaskDoc, node: NodeIdentity, now: string): TaskDoc {
  const previous = task.entity.executionInfo ?? { retryCount: 0, requeueCount: 0 };
  const executionInfo = {
    retryCount: previous.retryCount,
    requeueCount: previous.requeueCount,
    startTime: now,
    ...(previous.lastRequeueTime === undefined ? {} : { lastRequeueTime: previous.lastRequeueTime }),
    ...(previous.lastRetryTime === undefined ? {} : { lastRetryTime: previous.lastRetryTime }),
  };
  if (task.internal.retryPending === true) executionInfo.lastRetryTime = now;
  const root = `workitems/${task.jobId}/job-1/${task.entity.id}`;
  const nodeUrl = `${node.accountUrl}/pools/${node.poolId}/nodes/${node.nodeId}`;
  const { retryPending: _consumed, ...internal } = task.internal;
  return {
    ...task,
    entity: {
      ...transition(task.entity, 'running', now),
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
      lease: { poolId: node.poolId, nodeId: node.nodeId, token: newLeaseToken() },
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
    runnable: (task, _job, lookup) => dependenciesMet(task, lookup),
    start: (task) => startedTask(task, node, now),
  };
}
