import { EventEmitter } from 'node:events';

/** In-process notifications between services and the node provider. */
export interface ServerEventMap {
  /** A pool was added, resized or is being deleted: the node provider reconciles it. */
  poolChanged: [poolId: string];
  /** A task reached a final state (for metrics and waiters). */
  taskCompleted: [jobId: string, taskId: string];
  /** A node claimed a task that had been waiting `waitMs` since it became active. */
  taskClaimed: [waitMs: number];
  /** A run ended: how, and how long it ran. */
  taskRun: [result: 'success' | 'failure' | 'timeout', durationMs: number, retried: boolean];
  /** A running task went back to active without spending a retry. */
  taskRequeued: [reason: 'node_lost' | 'pool_resize' | 'job_disable' | 'pool_delete'];
}

export class ServerEvents extends EventEmitter<ServerEventMap> {}
