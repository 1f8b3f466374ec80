import type { FastifyRequest } from 'fastify';
import { apiError } from './api-error.js';
import { queryParams } from './request-context.js';

/**
 * Whether `$expand=stats` asks for the statistics. `stats` is the only expansion Batch defines (on pools, jobs,
 * job schedules and tasks); anything else is refused rather than ignored.
 */
export function expandsStats(request: FastifyRequest): boolean {
  const text = queryParams(request).get('$expand');
  if (text === null || text.trim() === '') return false;
  const unknown = text
    .split(',')
    .map((item) => item.trim())
    .find((item) => item !== 'stats');
  if (unknown !== undefined) {
    throw apiError('InvalidQueryParameterValue', {
      values: [
        { key: 'QueryParameterName', value: '$expand' },
        { key: 'QueryParameterValue', value: text },
        { key: 'Reason', value: `${unknown} cannot be expanded: the only expansion is stats.` },
      ],
    });
  }
  return true;
}
