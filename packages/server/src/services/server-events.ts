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
  taskRequeued: [
    reason: 'node_lost' | 'pool_resize' | 'job_disable' | 'pool_delete' | 'node_restart' | 'node_disable',
  ];
  /** A job reached completed (its tasks are done, or it was terminated): one line in the server's log. */
  jobCompleted: [jobId: string, reason: string | undefined];
  /** A node registered with a pool (a new agent, or one that restarted). */
  nodeJoined: [poolId: string, nodeId: string];
  /** A node's lease ran out: it is offline and its tasks went back to the queue. */
  nodeLost: [poolId: string, nodeId: string, requeued: number];
}

export class ServerEvents extends EventEmitter<ServerEventMap> {}
