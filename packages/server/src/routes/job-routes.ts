import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  idKey,
  JOB_FILTER_SCHEMA,
  validateJobAdd,
  validateJobDisable,
  validateJobPatch,
  validateJobTerminate,
  validateJobUpdate,
  type TaskCountsResult,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { readJson } from '../http/body.js';
import { checkConditions } from '../http/conditions.js';
import { expandsStats } from '../http/expand.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { setJsonHeaders } from '../http/request-context.js';
import {
  metadataUrl,
  resourceUrl,
  sendEntity,
  sendList,
  sendWrite,
  versionShaped,
} from '../http/responses.js';
import * as jobs from '../services/jobs-service.js';
import type { ServiceContext } from '../services/service-context.js';
import { jobStatistics, jobUsageKey, statsOf, type StatsOf } from '../services/statistics.js';
import type { JobDoc } from '../store/documents.js';
import { conditionCheck, filterMatcher, readFilter, validated, type JobParams } from './route-helpers.js';

export function jobUrl(request: FastifyRequest, jobId: string): string {
  return resourceUrl(request, `/jobs/${jobId}`);
}

function present(request: FastifyRequest, job: JobDoc, stats?: StatsOf<JobDoc>) {
  const url = jobUrl(request, job.entity.id);
  if (stats === undefined) return { ...job.entity, url };
  const range = { startTime: job.entity.creationTime ?? stats.now, now: stats.now };
  return { ...job.entity, url, stats: jobStatistics(`${url}/stats`, stats.totals(job), range, false) };
}

export function registerJobRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post('/jobs', async (request, reply) => {
    const param = validated(validateJobAdd(readJson(request, true)));
    // Jobs and job schedules share one id space.
    if ((await context.store.getJobSchedule(param.id)) !== undefined)
      throw apiError('JobScheduleWithSameIdExists');
    const job = await jobs.addJob(context, param);
    return sendWrite(reply, 201, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.get('/jobs', async (request, reply) => {
    const expand = expandsStats(request);
    const matches = filterMatcher(readFilter(request, JOB_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) => context.store.listJobs({ limit, ...(afterKey === undefined ? {} : { afterKey }) }),
      (job) => idKey(job.entity.id),
      (job) => matches(job.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    const stats = expand ? await statsOf(context, page.items, jobUsageKey) : undefined;
    return sendList(
      request,
      reply,
      'jobs',
      page.items.map((job) => present(request, job, stats)),
      next,
    );
  });

  app.get<{ Params: JobParams }>('/jobs/:jobId', async (request, reply) => {
    const expand = expandsStats(request);
    const job = await jobs.getJob(context, request.params.jobId);
    checkConditions(request, job.entity, 'read');
    const stats = expand ? await statsOf(context, [job], jobUsageKey) : undefined;
    return sendEntity(request, reply, 'jobs', present(request, job, stats));
  });

  app.put<{ Params: JobParams }>('/jobs/:jobId', async (request, reply) => {
    const update = validated(validateJobUpdate(readJson(request, true)));
    const job = await jobs.replaceJob(context, request.params.jobId, update, conditionCheck(request));
    return sendWrite(reply, 200, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.patch<{ Params: JobParams }>('/jobs/:jobId', async (request, reply) => {
    const patch = validated(validateJobPatch(readJson(request, true)));
    const job = await jobs.patchJob(context, request.params.jobId, patch, conditionCheck(request));
    return sendWrite(reply, 200, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.delete<{ Params: JobParams }>('/jobs/:jobId', async (request, reply) => {
    await jobs.deleteJob(context, request.params.jobId, conditionCheck(request));
    return sendWrite(reply, 202);
  });

  app.post<{ Params: JobParams }>('/jobs/:jobId/disable', async (request, reply) => {
    const { disableTasks } = validated(validateJobDisable(readJson(request, true)));
    const job = await jobs.disableJob(context, request.params.jobId, disableTasks, conditionCheck(request));
    return sendWrite(reply, 202, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.post<{ Params: JobParams }>('/jobs/:jobId/enable', async (request, reply) => {
    const job = await jobs.enableJob(context, request.params.jobId, conditionCheck(request));
    return sendWrite(reply, 202, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.post<{ Params: JobParams }>('/jobs/:jobId/terminate', async (request, reply) => {
    const body = readJson(request, false);
    const reason = body === undefined ? undefined : validated(validateJobTerminate(body)).terminateReason;
    const job = await jobs.terminateJob(context, request.params.jobId, reason, conditionCheck(request));
    return sendWrite(reply, 202, { entity: job.entity, dataServiceId: jobUrl(request, job.entity.id) });
  });

  app.get<{ Params: JobParams }>('/jobs/:jobId/taskcounts', async (request, reply) => {
    const job = await jobs.getJob(context, request.params.jobId);
    const counts = await context.store.countTasks(job.entity.id);
    const result: TaskCountsResult = {
      taskCounts: {
        active: counts.active,
        running: counts.running,
        completed: counts.completed,
        succeeded: counts.succeeded,
        failed: counts.failed,
      },
      taskSlotCounts: {
        active: counts.activeSlots,
        running: counts.runningSlots,
        completed: counts.completedSlots,
        succeeded: counts.succeededSlots,
        failed: counts.failedSlots,
      },
    };
    const body = {
      'odata.metadata': metadataUrl(request, 'taskcounts', true),
      ...versionShaped(request, 'taskcounts', result),
    };
    setJsonHeaders(reply);
    return reply.code(200).send(JSON.stringify(body));
  });
}
