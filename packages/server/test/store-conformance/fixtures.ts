/** Documents, a small claim policy and helpers shared by the store conformance cases. */
import type { TaskState } from '@batchite/protocol';
import type { JobDoc, NodeDoc, PoolDoc, TaskDoc } from '../../src/store/documents.js';
import type { ClaimPolicy } from '../../src/store/store.js';

/** Start of every fake clock (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000_000;

export function poolDoc(id: string): PoolDoc {
  return { entity: { id, vmSize: 'standard_d2s_v3', state: 'active' }, internal: {} };
}

export function nodeDoc(poolId: string, id: string, internal: Partial<NodeDoc['internal']> = {}): NodeDoc {
  return { poolId, entity: { id, state: 'idle' }, internal: { slots: 4, ...internal } };
}

export interface JobShape {
  poolId?: string;
  priority?: number;
  state?: JobDoc['entity']['state'];
  maxParallelTasks?: number;
}

export function jobDoc(id: string, shape: JobShape = {}): JobDoc {
  return {
    entity: {
      id,
      state: shape.state ?? 'active',
      poolInfo: { poolId: shape.poolId ?? 'p' },
      priority: shape.priority ?? 0,
      ...(shape.maxParallelTasks === undefined ? {} : { maxParallelTasks: shape.maxParallelTasks }),
    },
    internal: {},
  };
}

export interface TaskShape {
  state?: TaskState;
  requiredSlots?: number;
  dependsOn?: string[];
  notBefore?: number;
  result?: 'success' | 'failure';
}

export function taskDoc(jobId: string, id: string, shape: TaskShape = {}): TaskDoc {
  return {
    jobId,
    entity: {
      id,
      state: shape.state ?? 'active',
      commandLine: `/bin/echo ${id}`,
      executionInfo: {
        retryCount: 0,
        requeueCount: 0,
        ...(shape.result === undefined ? {} : { result: shape.result }),
      },
      ...(shape.requiredSlots === undefined ? {} : { requiredSlots: shape.requiredSlots }),
      ...(shape.dependsOn === undefined ? {} : { dependsOn: { taskIds: shape.dependsOn } }),
    },
    internal: shape.notBefore === undefined ? {} : { notBefore: shape.notBefore },
  };
}

export function ids(docs: readonly ({ entity: { id: string } } | undefined)[]): (string | undefined)[] {
  return docs.map((doc) => doc?.entity.id);
}

/** What the test policy saw: `jobAllowance(job, running)` calls with the running count. */
export interface PolicyLog {
  allowances: { jobId: string; running: number }[];
}

/**
 * A policy like the scheduler's, small enough to read: `maxParallelTasks` bounds running tasks, a task runs
 * when every `dependsOn.taskIds` parent completed successfully, and a started task is running with a lease.
 */
export function testPolicy(poolId: string, nodeId: string, log?: PolicyLog): ClaimPolicy {
  return {
    jobAllowance(job, running) {
      log?.allowances.push({ jobId: job.entity.id, running });
      const max = job.entity.maxParallelTasks ?? -1;
      return max === -1 ? Number.POSITIVE_INFINITY : max - running;
    },
    runnable(task, _job, lookup) {
      return (task.entity.dependsOn?.taskIds ?? []).every((parentId) => {
        const parent = lookup(parentId);
        return parent?.entity.state === 'completed' && parent.entity.executionInfo?.result === 'success';
      });
    },
    slotsOn(task, nodeSlots) {
      return task.internal.exclusive === true ? nodeSlots : (task.entity.requiredSlots ?? 1);
    },
    start(task, _job, slots) {
      const lease = { poolId, nodeId, token: `${nodeId}:${task.entity.id}` };
      return {
        ...task,
        entity: { ...task.entity, state: 'running' },
        internal: {
          ...task.internal,
          lease: slots === (task.entity.requiredSlots ?? 1) ? lease : { ...lease, slots },
        },
      };
    },
  };
}
