/**
 * The service's own periodic duties, on the injected clock:
 * - nodes whose lease expired go offline and their tasks are requeued (no retry spent);
 * - jobs past their `maxWallClockTime` (measured from creation) are terminated with MaxWallClockTimeExpiry;
 * - pool resizes past their `resizeTimeout` end with AllocationTimedout (resize-end.ts);
 * - deletes left unfinished (a crash, a directory still written into) are finished: every `deleting` job is
 *   removed again and deleted directories are removed until none is left (directory-removal.ts);
 * - terminating jobs that wait for release tasks are settled again, so a node that never runs its release
 *   holds the job only until the wait is given up (job-task-service.ts);
 * - job schedules create their due jobs, skip missed runs, complete and finish deleting (job-schedule-runs.ts);
 * - autoscaled pools are sampled every 30 s and their formulas evaluated at their interval (pool-autoscale.ts).
 */
import { isUnlimitedDuration, parseDuration } from '@batchite/protocol';
import { purgeDeleted } from './directory-removal.js';
import { runJobSchedules } from './job-schedule-runs.js';
import { finishJobDeletion, settleJobState, terminateJobFor } from './jobs-service.js';
import { reapLostNodes } from './nodes-service.js';
import { autoscaleOnce } from './pool-autoscale.js';
import { expireResizes } from './resize-end.js';
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

/** Jobs waiting for release tasks complete once the last release ended or its wait was given up. */
export async function settleReleasingJobs(context: ServiceContext): Promise<void> {
  for (const job of await context.store.listJobsInStates(['terminating'])) {
    if (job.internal.nodeTasks !== undefined) await settleJobState(context, job.entity.id);
  }
}

/** Deletes that did not finish are retried until they do. */
export async function finishDeletes(context: ServiceContext): Promise<void> {
  for (const job of await context.store.listJobsInStates(['deleting'])) {
    await finishJobDeletion(context, job.entity.id);
  }
  await purgeDeleted(context);
}

/** Servers whose `finishDeletes` runs: one pass at a time. */
const finishingDeletes = new WeakSet<ServiceContext>();

export async function maintainOnce(context: ServiceContext): Promise<void> {
  await reapLostNodes(context);
  await expireJobs(context);
  await expireResizes(context);
  await settleReleasingJobs(context);
  await runJobSchedules(context);
  await autoscaleOnce(context);
  // Not awaited: file-system work must not stretch the round, whose timing is the (possibly fake) clock's.
  if (!finishingDeletes.has(context)) {
    finishingDeletes.add(context);
    context.background('finish deletes', () =>
      finishDeletes(context).finally(() => finishingDeletes.delete(context)),
    );
  }
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
