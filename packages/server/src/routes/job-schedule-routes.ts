/** The Job Schedule operations of the Batch REST API, and Job - List From Job Schedule. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  idKey,
  JOB_FILTER_SCHEMA,
  JOB_SCHEDULE_FILTER_SCHEMA,
  validateJobScheduleAdd,
  validateJobSchedulePatch,
  validateJobScheduleUpdate,
} from '@batchite/protocol';
import { readJson } from '../http/body.js';
import { checkConditions } from '../http/conditions.js';
import { expandsStats } from '../http/expand.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { resourceUrl, sendEntity, sendList, sendWrite, versionHeaders } from '../http/responses.js';
import { listScheduleJobs } from '../services/job-schedule-runs.js';
import * as schedules from '../services/job-schedules-service.js';
import type { ServiceContext } from '../services/service-context.js';
import { jobStatistics, scheduleUsageKey, statsOf, type StatsOf } from '../services/statistics.js';
import type { JobScheduleDoc } from '../store/documents.js';
import { jobUrl } from './job-routes.js';
import {
  conditionCheck,
  filterMatcher,
  readFilter,
  validated,
  type JobScheduleParams,
} from './route-helpers.js';

function scheduleUrl(request: FastifyRequest, scheduleId: string): string {
  return resourceUrl(request, `/jobschedules/${scheduleId}`);
}

function present(request: FastifyRequest, doc: JobScheduleDoc, stats?: StatsOf<JobScheduleDoc>) {
  const { entity } = doc;
  const recent = entity.executionInfo?.recentJob;
  const executionInfo =
    recent?.id === undefined
      ? entity.executionInfo
      : { ...entity.executionInfo, recentJob: { id: recent.id, url: jobUrl(request, recent.id) } };
  const url = scheduleUrl(request, entity.id);
  if (stats === undefined) return { ...entity, url, executionInfo };
  const range = { startTime: entity.creationTime ?? stats.now, now: stats.now };
  const statistics = jobStatistics(`${url}/stats`, stats.totals(doc), range, false);
  return { ...entity, url, executionInfo, stats: statistics };
}

export function registerJobScheduleRoutes(app: FastifyInstance, context: ServiceContext): void {
  const written = (request: FastifyRequest, doc: JobScheduleDoc) => ({
    entity: doc.entity,
    dataServiceId: scheduleUrl(request, doc.entity.id),
  });

  app.post('/jobschedules', async (request, reply) => {
    const param = validated(validateJobScheduleAdd(readJson(request, true)));
    const doc = await schedules.addJobSchedule(context, param);
    return sendWrite(reply, 201, written(request, doc));
  });

  app.get('/jobschedules', async (request, reply) => {
    const expand = expandsStats(request);
    const matches = filterMatcher(readFilter(request, JOB_SCHEDULE_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) =>
        context.store.listJobSchedules({ limit, ...(afterKey === undefined ? {} : { afterKey }) }),
      (doc) => idKey(doc.entity.id),
      (doc) => matches(doc.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    const stats = expand ? await statsOf(context, page.items, scheduleUsageKey) : undefined;
    const items = page.items.map((doc) => present(request, doc, stats));
    return sendList(request, reply, 'jobschedules', items, next);
  });

  app.get<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId', async (request, reply) => {
    const expand = expandsStats(request);
    const doc = await schedules.getJobSchedule(context, request.params.jobScheduleId);
    checkConditions(request, doc.entity, 'read');
    const stats = expand ? await statsOf(context, [doc], scheduleUsageKey) : undefined;
    return sendEntity(request, reply, 'jobschedules', present(request, doc, stats));
  });

  // HEAD answers 200 or 404 with no body; the SDK maps them to true / false.
  app.head<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId', async (request, reply) => {
    const doc = await schedules.getJobSchedule(context, request.params.jobScheduleId);
    checkConditions(request, doc.entity, 'read');
    versionHeaders(reply, doc.entity);
    return reply.code(200).send();
  });

  app.patch<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId', async (request, reply) => {
    const patch = validated(validateJobSchedulePatch(readJson(request, true)));
    const id = request.params.jobScheduleId;
    const doc = await schedules.patchJobSchedule(context, id, patch, conditionCheck(request));
    return sendWrite(reply, 200, written(request, doc));
  });

  app.put<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId', async (request, reply) => {
    const update = validated(validateJobScheduleUpdate(readJson(request, true)));
    const id = request.params.jobScheduleId;
    const doc = await schedules.replaceJobSchedule(context, id, update, conditionCheck(request));
    return sendWrite(reply, 200, written(request, doc));
  });

  app.delete<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId', async (request, reply) => {
    await schedules.deleteJobSchedule(context, request.params.jobScheduleId, conditionCheck(request));
    return sendWrite(reply, 202);
  });

  // Batch answers disable and enable with 204, terminate with 202 (the REST spec; the SDK accepts nothing else).
  const stateChanges = [
    ['disable', 204, schedules.disableJobSchedule],
    ['enable', 204, schedules.enableJobSchedule],
    ['terminate', 202, schedules.terminateJobSchedule],
  ] as const;
  for (const [verb, status, change] of stateChanges) {
    app.post<{ Params: JobScheduleParams }>(
      `/jobschedules/:jobScheduleId/${verb}`,
      async (request, reply) => {
        const doc = await change(context, request.params.jobScheduleId, conditionCheck(request));
        return sendWrite(reply, status, written(request, doc));
      },
    );
  }

  app.get<{ Params: JobScheduleParams }>('/jobschedules/:jobScheduleId/jobs', async (request, reply) => {
    const schedule = await schedules.getJobSchedule(context, request.params.jobScheduleId);
    const matches = filterMatcher(readFilter(request, JOB_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) => listScheduleJobs(context, schedule.entity.id, afterKey, limit),
      (job) => idKey(job.entity.id),
      (job) => matches(job.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    const items = page.items.map((job) => ({ ...job.entity, url: jobUrl(request, job.entity.id) }));
    return sendList(request, reply, 'jobs', items, next);
  });
}
