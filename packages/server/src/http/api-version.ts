import type { FastifyRequest } from 'fastify';
import { API_VERSIONS } from '@batchite/protocol';
import { apiError } from './api-error.js';
import { queryParams } from './request-context.js';

const SUPPORTED = new Set<string>(API_VERSIONS);

/** Stage 2: `api-version` is required on every Batch request and must be one we speak. */
export function checkApiVersion(request: FastifyRequest): void {
  const version = queryParams(request).get('api-version');
  if (version === null || version === '') {
    throw apiError('MissingRequiredQueryParameter', {
      values: [{ key: 'QueryParameterName', value: 'api-version' }],
    });
  }
  if (!SUPPORTED.has(version)) {
    throw apiError('UnsupportedRequestVersion', {
      values: [
        { key: 'QueryParameterName', value: 'api-version' },
        { key: 'QueryParameterValue', value: version },
        { key: 'Reason', value: `Supported versions: ${[...SUPPORTED].join(', ')}` },
      ],
    });
  }
}
