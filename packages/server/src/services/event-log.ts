/**
 * The server's log at the default level: one line per event an operator cares about (a job completed, with how
 * its tasks ended; a node joined or was lost), not one per request. Errors are logged where they happen.
 */
import type { TaskStateCounts } from '../store/store.js';
import type { ServiceLog } from './service-context.js';
import type { ServerEvents } from './server-events.js';

/** Reads a job's task counts for its completion line (the store's `countTasks`). */
export type CountTasks = (jobId: string) => Promise<Pick<TaskStateCounts, 'succeeded' | 'failed'>>;

export function logServiceEvents(log: ServiceLog, events: ServerEvents, countTasks: CountTasks): void {
  events.on('jobCompleted', (jobId, reason) => {
    const line = `job ${jobId} completed${reason === undefined ? '' : ` (${reason})`}`;
    countTasks(jobId).then(
      ({ succeeded, failed }) =>
        log.info({ jobId, reason, succeeded, failed }, `${line}: ${succeeded} succeeded, ${failed} failed`),
      // The counts are a nicety: the event is still worth its line.
      () => log.info({ jobId, reason }, line),
    );
  });
  events.on('nodeJoined', (poolId, nodeId) =>
    log.info({ poolId, nodeId }, `node ${nodeId} joined pool ${poolId}`),
  );
  events.on('nodeLost', (poolId, nodeId, requeued) =>
    log.warn(
      { poolId, nodeId, requeued },
      `node ${nodeId} of pool ${poolId} was lost (no heartbeat); ${requeued} task(s) went back to the queue`,
    ),
  );
}
