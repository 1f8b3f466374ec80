/**
 * Job schedules (Azure Batch Job Schedule operations): add, get, patch, update, disable, enable, terminate,
 * delete. The jobs they create, and the moves the clock causes, live in job-schedule-runs.ts.
 */
import type {
  CloudJobSchedule,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
  JobSpecification,
  Schedule,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { JobScheduleDoc } from '../store/documents.js';
import { advanceSchedule, finishScheduleDeletion, withNextDue } from './job-schedule-runs.js';
import { assertScheduleLive, scheduleStateConflict } from './job-schedule-states.js';
import { firstDue, timingOf } from './job-schedule-timing.js';
import {
  assertJobAutoStorage,
  assertJobPropertiesHonoured,
  canonicalDuration,
  type EntityCheck,
} from './jobs-service.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';

const noCheck = () => undefined;

export function scheduleNotFound() {
  return apiError('JobScheduleNotFound');
}

/** Checks the job every run will create, so a refusal comes now rather than at each run. */
function acceptedSpecification(context: ServiceContext, spec: JobSpecification): JobSpecification {
  assertJobPropertiesHonoured(spec, 'jobSpecification.');
  assertJobAutoStorage(context, spec);
  return spec;
}

function canonicalSchedule(schedule: Schedule): Schedule {
  const out: Schedule = { ...schedule };
  if (schedule.startWindow !== undefined) out.startWindow = canonicalDuration(schedule.startWindow, '');
  if (schedule.recurrenceInterval !== undefined)
    out.recurrenceInterval = canonicalDuration(schedule.recurrenceInterval, '');
  return out;
}

export async function addJobSchedule(
  context: ServiceContext,
  param: JobScheduleAddParameter,
): Promise<JobScheduleDoc> {
  const jobSpecification = acceptedSpecification(context, param.jobSpecification);
  if ((await context.store.getJob(param.id)) !== undefined) throw apiError('JobWithSameIdExists');
  const now = context.clock.now();
  const schedule = canonicalSchedule(param.schedule);
  const entity: CloudJobSchedule & { id: string } = {
    id: param.id,
    ...(param.displayName === undefined ? {} : { displayName: param.displayName }),
    creationTime: isoNow(context),
    state: 'active',
    stateTransitionTime: isoNow(context),
    schedule,
    jobSpecification,
    executionInfo: {},
    ...(param.metadata === undefined ? {} : { metadata: param.metadata }),
  };
  const doc = withNextDue({ entity, internal: { jobCount: 0 } }, firstDue(timingOf(schedule), now));
  const stored = await context.store.insertJobSchedule(doc);
  if (stored === undefined) throw apiError('JobScheduleExists');
  // A schedule due now gets its first job at once, after the answer (as Batch creates it asynchronously).
  context.background(`job schedule ${param.id}`, () => advanceSchedule(context, param.id));
  return stored;
}

export async function getJobSchedule(context: ServiceContext, scheduleId: string): Promise<JobScheduleDoc> {
  const schedule = await context.store.getJobSchedule(scheduleId);
  if (schedule === undefined) throw scheduleNotFound();
  return schedule;
}

/** Applies `change` atomically; throws JobScheduleNotFound when the schedule is gone. */
async function changeSchedule(
  context: ServiceContext,
  scheduleId: string,
  change: (doc: JobScheduleDoc, now: string) => JobScheduleDoc | undefined,
): Promise<JobScheduleDoc> {
  const now = isoNow(context);
  const mutation = await context.store.mutateJobSchedule(scheduleId, (doc) => ({
    next: change(doc, now),
    result: undefined,
  }));
  if (mutation === undefined) throw scheduleNotFound();
  return mutation.next ?? (await getJobSchedule(context, scheduleId));
}

/** A new schedule starts over from its own doNotRunUntil (or now); a new jobSpecification applies to later jobs. */
function withChanges(
  doc: JobScheduleDoc,
  changes: JobSchedulePatchParameter,
  nowMs: number,
  replaceMetadata: boolean,
): JobScheduleDoc {
  let next: JobScheduleDoc = { ...doc, entity: { ...doc.entity } };
  if (changes.jobSpecification !== undefined) next.entity.jobSpecification = changes.jobSpecification;
  if (changes.metadata !== undefined) next.entity.metadata = changes.metadata;
  else if (replaceMetadata) delete next.entity.metadata;
  if (changes.schedule !== undefined) {
    const schedule = canonicalSchedule(changes.schedule);
    next.entity.schedule = schedule;
    next = withNextDue(next, firstDue(timingOf(schedule), nowMs));
  }
  return next;
}

async function rewrite(
  context: ServiceContext,
  scheduleId: string,
  changes: JobSchedulePatchParameter,
  replace: boolean,
  check: EntityCheck<CloudJobSchedule>,
): Promise<JobScheduleDoc> {
  if (changes.jobSpecification !== undefined) acceptedSpecification(context, changes.jobSpecification);
  const nowMs = context.clock.now();
  await changeSchedule(context, scheduleId, (doc) => {
    check(doc.entity);
    assertScheduleLive(doc.entity.state, 'update');
    return withChanges(doc, changes, nowMs, replace);
  });
  await advanceSchedule(context, scheduleId);
  return getJobSchedule(context, scheduleId);
}

/** PATCH: omitted properties stay as they are. */
export function patchJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  patch: JobSchedulePatchParameter,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<JobScheduleDoc> {
  return rewrite(context, scheduleId, patch, false, check);
}

/** PUT: schedule and jobSpecification replaced; omitted metadata is removed. */
export function replaceJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  update: JobScheduleUpdateParameter,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<JobScheduleDoc> {
  return rewrite(context, scheduleId, update, true, check);
}

/** No new job is created while disabled; the current one runs on. */
export function disableJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<JobScheduleDoc> {
  return changeSchedule(context, scheduleId, (doc, now) => {
    check(doc.entity);
    assertScheduleLive(doc.entity.state, 'disable');
    if (doc.entity.state === 'disabled') return undefined;
    return { ...doc, entity: transition(doc.entity, 'disabled', now) };
  });
}

/** Back to active; runs whose window passed meanwhile are skipped. */
export async function enableJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<JobScheduleDoc> {
  await changeSchedule(context, scheduleId, (doc, now) => {
    check(doc.entity);
    assertScheduleLive(doc.entity.state, 'enable');
    if (doc.entity.state === 'active') return undefined;
    return { ...doc, entity: transition(doc.entity, 'active', now) };
  });
  await advanceSchedule(context, scheduleId);
  return getJobSchedule(context, scheduleId);
}

/** terminating until its current job (terminated with TerminateJobSchedule) completes, then completed. */
export async function terminateJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<JobScheduleDoc> {
  await changeSchedule(context, scheduleId, (doc, now) => {
    check(doc.entity);
    assertScheduleLive(doc.entity.state, 'terminate');
    return withNextDue({ ...doc, entity: transition(doc.entity, 'terminating', now) }, undefined);
  });
  await advanceSchedule(context, scheduleId);
  return getJobSchedule(context, scheduleId);
}

/** deleting until every job of the schedule is deleted, then gone. */
export async function deleteJobSchedule(
  context: ServiceContext,
  scheduleId: string,
  check: EntityCheck<CloudJobSchedule> = noCheck,
): Promise<void> {
  const doc = await changeSchedule(context, scheduleId, (current, now) => {
    check(current.entity);
    if (current.entity.state === 'deleting') throw scheduleStateConflict('deleting', 'delete');
    return withNextDue({ ...current, entity: transition(current.entity, 'deleting', now) }, undefined);
  });
  context.background(`delete job schedule ${doc.entity.id}`, () =>
    finishScheduleDeletion(context, doc.entity.id),
  );
}
