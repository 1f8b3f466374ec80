/** Job operations (Azure Batch REST API, "Job" operations). */
import type {
  CloudJob,
  DisableJobOption,
  JobAddParameter,
  JobPatchParameter,
  JobUpdateParameter,
  TaskCountsResult,
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

export interface TerminateJobOptions extends ConditionalOptions {
  /** Sent as `terminateReason`; the service's default is `UserTerminate`. */
  terminateReason?: string;
}

export function createJob(
  pipeline: Pipeline,
  job: JobAddParameter,
  options: CallOptions,
): Promise<CreateResult> {
  return createWithReconciliation(
    pipeline,
    {
      op: 'createJob',
      getOp: 'getJob',
      resourcePath: `/jobs/${seg(job.id)}`,
      label: `job ${job.id}`,
      request: { method: 'POST', path: '/jobs', body: job, expect: [201], read: 'none' },
      sent: job,
      ids: { jobId: job.id },
    },
    options,
  );
}

export async function getJob(
  pipeline: Pipeline,
  jobId: string,
  options: GetOptions,
): Promise<WithResponse<CloudJob>> {
  const { response } = await pipeline.send(
    'getJob',
    {
      method: 'GET',
      path: `/jobs/${seg(jobId)}`,
      query: selectExpand(options),
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'json',
    },
    options,
    { jobId },
  );
  return entityResult<CloudJob>(response);
}

export function listJobs(pipeline: Pipeline, options: ListOptions): PagedAsyncIterable<CloudJob> {
  return pagedList<CloudJob>(pipeline, 'listJobs', '/jobs', options, {});
}

/** A write to `/jobs/{jobId}[/suffix]` that returns only headers. */
async function jobWrite(
  pipeline: Pipeline,
  op: OperationName,
  jobId: string,
  request: Omit<WireRequest, 'path' | 'read' | 'headers'> & { suffix?: string },
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { suffix = '', ...rest } = request;
  const { response, attempts } = await pipeline.send(
    op,
    { ...rest, path: `/jobs/${seg(jobId)}${suffix}`, headers: conditionalHeaders(options), read: 'none' },
    options,
    { jobId },
  );
  return writeResult(response, attempts);
}

export function updateJob(
  pipeline: Pipeline,
  jobId: string,
  patch: JobPatchParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return jobWrite(pipeline, 'updateJob', jobId, { method: 'PATCH', body: patch, expect: [200] }, options);
}

export function replaceJob(
  pipeline: Pipeline,
  jobId: string,
  job: JobUpdateParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return jobWrite(pipeline, 'replaceJob', jobId, { method: 'PUT', body: job, expect: [200] }, options);
}

export function deleteJob(
  pipeline: Pipeline,
  jobId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return jobWrite(pipeline, 'deleteJob', jobId, { method: 'DELETE', expect: [202] }, options);
}

export function disableJob(
  pipeline: Pipeline,
  jobId: string,
  disableTasks: DisableJobOption,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const body = { disableTasks };
  return jobWrite(
    pipeline,
    'disableJob',
    jobId,
    { method: 'POST', suffix: '/disable', body, expect: [202] },
    options,
  );
}

export function enableJob(
  pipeline: Pipeline,
  jobId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return jobWrite(
    pipeline,
    'enableJob',
    jobId,
    { method: 'POST', suffix: '/enable', expect: [202] },
    options,
  );
}

export function terminateJob(
  pipeline: Pipeline,
  jobId: string,
  options: TerminateJobOptions,
): Promise<WriteResult> {
  const body =
    options.terminateReason === undefined ? undefined : { terminateReason: options.terminateReason };
  return jobWrite(
    pipeline,
    'terminateJob',
    jobId,
    { method: 'POST', suffix: '/terminate', ...(body ? { body } : {}), declaresBody: true, expect: [202] },
    options,
  );
}

export async function getJobTaskCounts(
  pipeline: Pipeline,
  jobId: string,
  options: CallOptions,
): Promise<TaskCountsResult & { requestId?: string }> {
  const { response } = await pipeline.send(
    'getJobTaskCounts',
    { method: 'GET', path: `/jobs/${seg(jobId)}/taskcounts`, expect: [200], read: 'json' },
    options,
    { jobId },
  );
  return entityResult<TaskCountsResult>(response);
}
