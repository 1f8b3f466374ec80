/**
 * What the clock does to job schedules (maintenance calls `runJobSchedules` every round; requests call
 * `advanceSchedule` after a change): an active schedule whose run is due, with no active job, gets its next job
 * `<scheduleId>:job-<n>` through the jobs service (so the job behaves exactly like one added directly); runs whose
 * start window passed are skipped; a schedule with no run left completes once its job has; a terminating
 * schedule completes once its job (terminated with `TerminateJobSchedule`) has; a deleting one deletes its jobs,
 * then itself.
 *
 * Crash safety: the job is created before the schedule records it, under an id fixed by the schedule's count, so
 * a run interrupted between the two is finished by the next round (its add answers JobExists), never doubled.
 * One server steps a schedule one step at a time; servers sharing PostgreSQL may both step it, and then agree
 * through the job id and the count check (one of them records the run).
 */
import { idKey } from '@batchite/protocol';
import { isApiError } from '../http/api-error.js';
import type { JobDoc, JobScheduleDoc } from '../store/documents.js';
import { currentDue, followingDue, timingOf } from './job-schedule-timing.js';
import { addJob, deleteJob, finishJobDeletion, terminateJobFor } from './jobs-service.js';
import { scheduleUsageKey } from './statistics.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';

/** The schedule with its next due time (internal, ms) and its wire `nextRunTime` set together. */
export function withNextDue(doc: JobScheduleDoc, due: number | undefined): JobScheduleDoc {
  const { nextRunTime: _old, ...executionInfo } = doc.entity.executionInfo ?? {};
  const { nextDueAt: _was, ...internal } = doc.internal;
  if (due === undefined) return { entity: { ...doc.entity, executionInfo }, internal };
  return {
    entity: { ...doc.entity, executionInfo: { ...executionInfo, nextRunTime: new Date(due).toISOString() } },
    internal: { ...internal, nextDueAt: due },
  };
}

/** The id key prefix every job of the schedule has (job ids cannot contain ':', so only its jobs match). */
function jobKeyPrefix(scheduleId: string): string {
  return `${idKey(scheduleId)}:job-`;
}

/** Up to `limit` jobs of the schedule in id-key order, after `afterKey` (a page scan for the list route). */
export async function listScheduleJobs(
  context: ServiceContext,
  scheduleId: string,
  afterKey: string | undefined,
  limit: number,
): Promise<JobDoc[]> {
  const prefix = jobKeyPrefix(scheduleId);
  const start = afterKey !== undefined && afterKey > prefix ? afterKey : prefix;
  const jobs = await context.store.listJobs({ afterKey: start, limit });
  return jobs.filter((job) => idKey(job.entity.id).startsWith(prefix));
}

function isActiveJob(job: JobDoc | undefined): boolean {
  return job !== undefined && job.entity.state !== 'completed' && job.entity.state !== 'deleting';
}

async function recentJob(context: ServiceContext, doc: JobScheduleDoc): Promise<JobDoc | undefined> {
  const id = doc.entity.executionInfo?.recentJob?.id;
  return id === undefined ? undefined : context.store.getJob(id);
}

/** Completes the schedule if it is still as the caller saw it (same state, same job count). */
async function complete(context: ServiceContext, seen: JobScheduleDoc): Promise<void> {
  await context.store.mutateJobSchedule(seen.entity.id, (doc) => {
    const unchanged =
      doc.entity.state === seen.entity.state && doc.internal.jobCount === seen.internal.jobCount;
    if (!unchanged) return { next: undefined, result: undefined };
    const now = isoNow(context);
    const ended = withNextDue(doc, undefined);
    const entity = transition(ended.entity, 'completed', now);
    return {
      next: { ...ended, entity: { ...entity, executionInfo: { ...entity.executionInfo, endTime: now } } },
      result: undefined,
    };
  });
}

/** Creates run `jobCount + 1` (due at `due`) and records it with the next due time. */
async function createRun(context: ServiceContext, doc: JobScheduleDoc, due: number): Promise<void> {
  const count = doc.internal.jobCount + 1;
  const jobId = `${doc.entity.id}:job-${count}`;
  const spec = doc.entity.jobSpecification ?? { poolInfo: {} };
  try {
    await addJob(context, { ...spec, id: jobId });
  } catch (error) {
    if (!isApiError(error)) throw error;
    // JobExists: an earlier round created it and stopped before recording it. Any other refusal would repeat
    // at every round: the run is recorded (and so skipped) with the reason in the log.
    if (error.code !== 'JobExists') {
      context.log.warn({ jobScheduleId: doc.entity.id, jobId, code: error.code }, 'job schedule run refused');
    }
  }
  const next = followingDue(timingOf(doc.entity.schedule), due);
  await context.store.mutateJobSchedule(doc.entity.id, (current) => {
    if (current.internal.jobCount !== count - 1) return { next: undefined, result: undefined };
    const executionInfo = { ...current.entity.executionInfo, recentJob: { id: jobId } };
    const recorded: JobScheduleDoc = {
      entity: { ...current.entity, executionInfo },
      internal: { ...current.internal, jobCount: count },
    };
    return { next: withNextDue(recorded, next), result: undefined };
  });
}

/** One step of an active schedule at the current time. */
async function advanceActive(context: ServiceContext, doc: JobScheduleDoc): Promise<void> {
  const now = context.clock.now();
  const timing = timingOf(doc.entity.schedule);
  const due = currentDue(timing, doc.internal.nextDueAt, now);
  let seen = doc;
  if (due !== doc.internal.nextDueAt) {
    const skipped = await context.store.mutateJobSchedule(doc.entity.id, (current) =>
      current.entity.state === 'active' && current.internal.nextDueAt === doc.internal.nextDueAt
        ? { next: withNextDue(current, due), result: undefined }
        : { next: undefined, result: undefined },
    );
    if (skipped?.next === undefined) return;
    seen = skipped.next;
  }
  if (isActiveJob(await recentJob(context, seen))) return;
  if (due === undefined) return complete(context, seen);
  if (due <= now) await createRun(context, seen, due);
}

async function advanceTerminating(context: ServiceContext, doc: JobScheduleDoc): Promise<void> {
  const job = await recentJob(context, doc);
  if (job !== undefined && isActiveJob(job)) {
    await terminateJobFor(context, job.entity.id, 'TerminateJobSchedule');
    if (isActiveJob(await context.store.getJob(job.entity.id))) return;
  }
  await complete(context, doc);
}

async function advanceOnce(context: ServiceContext, scheduleId: string): Promise<void> {
  const doc = await context.store.getJobSchedule(scheduleId);
  if (doc?.entity.state === 'active') await advanceActive(context, doc);
  else if (doc?.entity.state === 'terminating') await advanceTerminating(context, doc);
}

/** Steps per server and schedule, chained: a request and a maintenance round never step one schedule at once. */
const advancing = new WeakMap<ServiceContext, Map<string, Promise<void>>>();

/** Moves the schedule on as far as the current time and its current job allow. */
export function advanceSchedule(context: ServiceContext, scheduleId: string): Promise<void> {
  let chains = advancing.get(context);
  if (chains === undefined) advancing.set(context, (chains = new Map<string, Promise<void>>()));
  const under = chains;
  const key = idKey(scheduleId);
  const step = (under.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => advanceOnce(context, scheduleId))
    .finally(() => {
      if (under.get(key) === step) under.delete(key);
    });
  under.set(key, step);
  return step;
}

/** Deletions under way, per server, so a request and a maintenance round never run the same one at once. */
const deleting = new WeakMap<ServiceContext, Map<string, Promise<void>>>();

/** Deletes the schedule's jobs, then the schedule once none is left; maintenance repeats it until then. */
export function finishScheduleDeletion(context: ServiceContext, scheduleId: string): Promise<void> {
  let running = deleting.get(context);
  if (running === undefined) deleting.set(context, (running = new Map<string, Promise<void>>()));
  const under = running;
  const current = under.get(idKey(scheduleId));
  if (current !== undefined) return current;
  const work = (async () => {
    const jobs = await listScheduleJobs(context, scheduleId, undefined, 1000);
    for (const job of jobs) {
      if (job.entity.state !== 'deleting') {
        await deleteJob(context, job.entity.id).catch((error: unknown) => {
          if (!isApiError(error)) throw error;
        });
      }
      await finishJobDeletion(context, job.entity.id);
    }
    if ((await listScheduleJobs(context, scheduleId, undefined, 1)).length === 0) {
      const schedule = await context.store.getJobSchedule(scheduleId);
      await context.store.removeJobSchedule(scheduleId);
      if (schedule !== undefined) await context.store.removeUsage(scheduleUsageKey(schedule));
    }
  })().finally(() => under.delete(idKey(scheduleId)));
  under.set(idKey(scheduleId), work);
  return work;
}

/**
 * True when a round would change nothing: the schedule is active, its next run is still ahead and its
 * `doNotRunAfter` not passed. Such schedules are not re-read every second.
 */
function waitingForNextRun(doc: JobScheduleDoc, now: number): boolean {
  const next = doc.internal.nextDueAt;
  if (doc.entity.state !== 'active' || next === undefined || next <= now) return false;
  const { afterMs } = timingOf(doc.entity.schedule);
  return afterMs === undefined || now <= afterMs;
}

/** Every schedule, one maintenance round: due runs created, ends settled, deletions resumed. */
export async function runJobSchedules(context: ServiceContext): Promise<void> {
  let afterKey: string | undefined;
  for (;;) {
    const page = await context.store.listJobSchedules({ limit: 200, ...(afterKey ? { afterKey } : {}) });
    const now = context.clock.now();
    for (const doc of page) {
      const id = doc.entity.id;
      if (waitingForNextRun(doc, now)) continue;
      if (doc.entity.state === 'deleting') {
        context.background(`delete job schedule ${id}`, () => finishScheduleDeletion(context, id));
        continue;
      }
      await advanceSchedule(context, id).catch((error: unknown) =>
        context.log.error({ err: error, jobScheduleId: id }, 'job schedule round failed'),
      );
    }
    const last = page.at(-1);
    if (last === undefined || page.length < 200) return;
    afterKey = idKey(last.entity.id);
  }
}
