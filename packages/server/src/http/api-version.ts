import type { FastifyRequest } from 'fastify';
import {
  API_VERSIONS,
  DEFAULT_API_VERSION,
  isSupportedApiVersion,
  type ApiVersion,
} from '@batchite/protocol';
import { apiError } from './api-error.js';
import { queryParams } from './request-context.js';

/** Stage 2: `api-version` is required on every Batch request and must be one we speak. */
export function checkApiVersion(request: FastifyRequest): void {
  const version = queryParams(request).get('api-version');
  if (version === null || version === '') {
    throw apiError('MissingRequiredQueryParameter', {
      values: [{ key: 'QueryParameterName', value: 'api-version' }],
    });
  }
  if (!isSupportedApiVersion(version)) {
    throw apiError('UnsupportedRequestVersion', {
      values: [
        { key: 'QueryParameterName', value: 'api-version' },
        { key: 'QueryParameterValue', value: version },
        { key: 'Reason', value: `Supported versions: ${API_VERSIONS.join(', ')}` },
      ],
    });
  }
}

/**
 * The api-version a request asked for, which shapes its body and its answer. Requests that never passed stage 2
 * (node agents, the dashboard) read and write the shapes of the default version.
 */
export function requestApiVersion(request: FastifyRequest): ApiVersion {
  const version = queryParams(request).get('api-version');
  return version !== null && isSupportedApiVersion(version) ? version : DEFAULT_API_VERSION;
}
