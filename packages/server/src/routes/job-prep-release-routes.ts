import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  idKey,
  JOB_PREP_RELEASE_FILTER_SCHEMA,
  type JobPreparationAndReleaseTaskExecutionInformation,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { resourceUrl, sendList } from '../http/responses.js';
import { getJob } from '../services/jobs-service.js';
import type { ServiceContext } from '../services/service-context.js';
import type { JobDoc } from '../store/documents.js';
import { filterMatcher, readFilter, type JobParams } from './route-helpers.js';

/** One item per node that ran the job's preparation or release task, ordered by node id. */
function statusItems(
  request: FastifyRequest,
  job: JobDoc,
): JobPreparationAndReleaseTaskExecutionInformation[] {
  const entries = Object.entries(job.internal.nodeTasks ?? {}).filter(
    ([, record]) => record.prep !== undefined || record.release !== undefined,
  );
  entries.sort(([a], [b]) => (idKey(a) < idKey(b) ? -1 : idKey(a) > idKey(b) ? 1 : 0));
  return entries.map(([nodeId, record]) => ({
    poolId: record.poolId,
    nodeId,
    nodeUrl: resourceUrl(request, `/pools/${record.poolId}/nodes/${nodeId}`),
    ...(record.prep === undefined ? {} : { jobPreparationTaskExecutionInfo: record.prep }),
    ...(record.release === undefined ? {} : { jobReleaseTaskExecutionInfo: record.release }),
  }));
}

/** `GET /jobs/{jobId}/jobpreparationandreleasetaskstatus` (paged, `$filter`, `$select`, `maxresults`). */
export function registerJobPrepReleaseRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: JobParams }>(
    '/jobs/:jobId/jobpreparationandreleasetaskstatus',
    async (request, reply) => {
      const job = await getJob(context, request.params.jobId);
      if (job.entity.jobPreparationTask === undefined && job.entity.jobReleaseTask === undefined) {
        throw apiError('JobPreparationTaskNotSpecified');
      }
      const matches = filterMatcher(readFilter(request, JOB_PREP_RELEASE_FILTER_SCHEMA));
      const items = statusItems(request, job);
      const page = await collectPage(
        (afterKey, limit) =>
          Promise.resolve(
            items
              .filter((item) => afterKey === undefined || idKey(item.nodeId ?? '') > afterKey)
              .slice(0, limit),
          ),
        (item) => idKey(item.nodeId ?? ''),
        matches,
        readPageRequest(request),
      );
      const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
      return sendList(request, reply, 'jobpreparationandreleasetaskstatuslist', page.items, next);
    },
  );
}
