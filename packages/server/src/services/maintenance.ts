/**
 * The service's own periodic duties, on the injected clock:
 * - nodes whose lease expired go offline and their tasks are requeued (no retry spent);
 * - jobs past their `maxWallClockTime` (measured from creation) are terminated with MaxWallClockTimeExpiry.
 */
import { isUnlimitedDuration, parseDuration } from '@batchite/protocol';
import { terminateJobFor } from './jobs-service.js';
import { reapLostNodes } from './nodes-service.js';
import type { ServiceContext } from './service-context.js';

export const MAINTENANCE_INTERVAL_MS = 1000;

export async function expireJobs(context: ServiceContext): Promise<void> {
  const now = context.clock.now();
  for (const job of await context.store.listJobsInStates(['active', 'disabling', 'disabled', 'enabling'])) {
    const limit = parseDuration(job.entity.constraints?.maxWallClockTime ?? '');
    if (limit === undefined || isUnlimitedDuration(limit)) continue;
    const created = Date.parse(job.entity.creationTime ?? '');
    if (!Number.isNaN(created) && created + limit <= now) {
      await terminateJobFor(context, job.entity.id, 'MaxWallClockTimeExpiry');
    }
  }
}

export async function maintainOnce(context: ServiceContext): Promise<void> {
  await reapLostNodes(context);
  await expireJobs(context);
}

/** Runs `maintainOnce` every interval until `signal` aborts. Errors are reported and the loop goes on. */
export async function runMaintenance(
  context: ServiceContext,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await maintainOnce(context);
    } catch (error) {
      onError(error);
    }
    try {
      await context.clock.sleep(MAINTENANCE_INTERVAL_MS, signal);
    } catch {
      return;
    }
  }
}
