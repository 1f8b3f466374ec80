import { EventEmitter } from 'node:events';

/** In-process notifications between services and the node provider. */
export interface ServerEventMap {
  /** A pool was added, resized or is being deleted: the node provider reconciles it. */
  poolChanged: [poolId: string];
  /** A task reached a final state (for metrics and waiters). */
  taskCompleted: [jobId: string, taskId: string];
}

export class ServerEvents extends EventEmitter<ServerEventMap> {}
