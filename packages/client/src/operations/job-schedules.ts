/** Job schedule operations (Azure Batch REST API, "Job Schedule" operations, and Job - List From Job Schedule). */
import type {
  CloudJob,
  CloudJobSchedule,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
} from '@batchite/protocol';
import type { WireRequest } from '../http/transport.js';
import type { OperationName } from '../operation-policies.js';
import type { CallOptions, ConditionalOptions, GetOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
import {
  conditionalHeaders,
  entityResult,
  seg,
  selectExpand,
  writeResult,
  type CreateResult,
  type WithResponse,
  type WriteResult,
} from './common.js';
import { createWithReconciliation } from './create.js';

export function createJobSchedule(
  pipeline: Pipeline,
  schedule: JobScheduleAddParameter,
  options: CallOptions,
): Promise<CreateResult> {
  return createWithReconciliation(
    pipeline,
    {
      op: 'createJobSchedule',
      getOp: 'getJobSchedule',
      resourcePath: `/jobschedules/${seg(schedule.id)}`,
      label: `job schedule ${schedule.id}`,
      request: { method: 'POST', path: '/jobschedules', body: schedule, expect: [201], read: 'none' },
      sent: schedule,
      ids: { jobScheduleId: schedule.id },
    },
    options,
  );
}

export async function getJobSchedule(
  pipeline: Pipeline,
  jobScheduleId: string,
  options: GetOptions,
): Promise<WithResponse<CloudJobSchedule>> {
  const { response } = await pipeline.send(
    'getJobSchedule',
    {
      method: 'GET',
      path: `/jobschedules/${seg(jobScheduleId)}`,
      query: selectExpand(options),
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'json',
    },
    options,
    { jobScheduleId },
  );
  return entityResult<CloudJobSchedule>(response);
}

export async function jobScheduleExists(
  pipeline: Pipeline,
  jobScheduleId: string,
  options: ConditionalOptions,
): Promise<boolean> {
  const { response } = await pipeline.send(
    'jobScheduleExists',
    {
      method: 'HEAD',
      path: `/jobschedules/${seg(jobScheduleId)}`,
      headers: conditionalHeaders(options),
      expect: [200, 404],
      read: 'none',
    },
    options,
    { jobScheduleId },
  );
  return response?.status === 200;
}

export function listJobSchedules(
  pipeline: Pipeline,
  options: ListOptions,
): PagedAsyncIterable<CloudJobSchedule> {
  return pagedList<CloudJobSchedule>(pipeline, 'listJobSchedules', '/jobschedules', options, {});
}

export function listJobsFromSchedule(
  pipeline: Pipeline,
  jobScheduleId: string,
  options: ListOptions,
): PagedAsyncIterable<CloudJob> {
  const path = `/jobschedules/${seg(jobScheduleId)}/jobs`;
  return pagedList<CloudJob>(pipeline, 'listJobsFromSchedule', path, options, { jobScheduleId });
}

/** A write to `/jobschedules/{id}[/suffix]` that returns only headers. */
export async function jobScheduleWrite(
  pipeline: Pipeline,
  op: OperationName,
  jobScheduleId: string,
  request: Omit<WireRequest, 'path' | 'read' | 'headers'> & { suffix?: string },
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { suffix = '', ...rest } = request;
  const path = `/jobschedules/${seg(jobScheduleId)}${suffix}`;
  const { response, attempts } = await pipeline.send(
    op,
    { ...rest, path, headers: conditionalHeaders(options), read: 'none' },
    options,
    { jobScheduleId },
  );
  return writeResult(response, attempts);
}

/** PATCH: omitted properties stay unchanged. */
export function updateJobSchedule(
  pipeline: Pipeline,
  jobScheduleId: string,
  patch: JobSchedulePatchParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const request = { method: 'PATCH', body: patch, expect: [200] } as const;
  return jobScheduleWrite(pipeline, 'updateJobSchedule', jobScheduleId, request, options);
}

/** PUT: schedule and jobSpecification replaced; omitted metadata is removed. */
export function replaceJobSchedule(
  pipeline: Pipeline,
  jobScheduleId: string,
  schedule: JobScheduleUpdateParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const request = { method: 'PUT', body: schedule, expect: [200] } as const;
  return jobScheduleWrite(pipeline, 'replaceJobSchedule', jobScheduleId, request, options);
}
