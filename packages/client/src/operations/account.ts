/**
 * Account-level operations (the Azure Batch REST reference "Account", "Applications", "Certificates" and
 * Pool_ListUsageMetrics): lists that page like every other list.
 */
import type {
  ApplicationSummary,
  ImageInformation,
  PoolNodeCounts,
  PoolUsageMetrics,
} from '@batchite/protocol';
import type { CallOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
import { entityResult, seg, type WithResponse } from './common.js';

/** `listPoolUsageMetrics` options: the time range of the aggregation intervals wanted. */
export interface UsageMetricsOptions extends ListOptions {
  /** Earliest time to include. @defaultValue the start of the last complete aggregation interval */
  startTime?: Date;
  /** Latest time to include. @defaultValue the end of the last complete aggregation interval */
  endTime?: Date;
}

export function listPoolNodeCounts(
  pipeline: Pipeline,
  options: ListOptions,
): PagedAsyncIterable<PoolNodeCounts> {
  return pagedList<PoolNodeCounts>(pipeline, 'listPoolNodeCounts', '/nodecounts', options, {});
}

export function listPoolUsageMetrics(
  pipeline: Pipeline,
  options: UsageMetricsOptions,
): PagedAsyncIterable<PoolUsageMetrics> {
  const range: [string, string][] = [];
  if (options.startTime !== undefined) range.push(['starttime', options.startTime.toISOString()]);
  if (options.endTime !== undefined) range.push(['endtime', options.endTime.toISOString()]);
  return pagedList<PoolUsageMetrics>(
    pipeline,
    'listPoolUsageMetrics',
    '/poolusagemetrics',
    options,
    {},
    range,
  );
}

export function listSupportedImages(
  pipeline: Pipeline,
  options: ListOptions,
): PagedAsyncIterable<ImageInformation> {
  return pagedList<ImageInformation>(pipeline, 'listSupportedImages', '/supportedimages', options, {});
}

export function listApplications(
  pipeline: Pipeline,
  options: ListOptions,
): PagedAsyncIterable<ApplicationSummary> {
  return pagedList<ApplicationSummary>(pipeline, 'listApplications', '/applications', options, {});
}

export async function getApplication(
  pipeline: Pipeline,
  applicationId: string,
  options: CallOptions,
): Promise<WithResponse<ApplicationSummary>> {
  const { response } = await pipeline.send(
    'getApplication',
    { method: 'GET', path: `/applications/${seg(applicationId)}`, expect: [200], read: 'json' },
    options,
    {},
  );
  return entityResult<ApplicationSummary>(response);
}
