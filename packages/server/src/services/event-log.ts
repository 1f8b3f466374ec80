/**
 * The server's log at the default level: one line per event an operator cares about (a job completed, a node
 * joined or was lost), not one per request. Errors are logged where they happen.
 */
import type { ServiceLog } from './service-context.js';
import type { ServerEvents } from './server-events.js';

export function logServiceEvents(log: ServiceLog, events: ServerEvents): void {
  events.on('jobCompleted', (jobId, reason) =>
    log.info({ jobId, reason }, `job ${jobId} completed${reason === undefined ? '' : ` (${reason})`}`),
  );
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
