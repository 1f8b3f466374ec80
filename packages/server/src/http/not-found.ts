import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchBatchOperation } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import { apiError, type ApiError } from './api-error.js';
import { checkApiVersion } from './api-version.js';
import { authenticate, type Account } from './authentication.js';
import { sendError } from './error-handler.js';

/**
 * The answer for a request no route serves. A Batch operation Batchite lacks (it is in the Batch REST API but has
 * no route yet) answers 501 `NotImplemented` naming it — after the same api-version and Shared Key checks every
 * Batch operation passes, so an anonymous caller learns nothing more than 403. Anything else is what Batch
 * answers for a path it does not know: 404 `ResourceNotFound`.
 */
function unmatchedError(request: FastifyRequest, account: Account, clock: Clock): ApiError {
  const path = request.url.split('?')[0] ?? '/';
  const operation = matchBatchOperation(request.method, path);
  if (operation === undefined) {
    return apiError('ResourceNotFound', {
      values: [{ key: 'Reason', value: `No operation matches ${request.method} ${path}.` }],
    });
  }
  checkApiVersion(request);
  authenticate(request, account, clock.now());
  return apiError('NotImplemented', {
    message: `Batchite does not implement the Batch operation ${operation.operationId} (${operation.method} ${operation.path}) yet.`,
    values: [
      { key: 'OperationId', value: operation.operationId },
      { key: 'Reason', value: 'See docs/compatibility.md for the operations Batchite implements.' },
    ],
  });
}

export function notFoundHandler(account: Account, clock: Clock) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    let error: unknown;
    try {
      error = unmatchedError(request, account, clock);
    } catch (failure) {
      error = failure;
    }
    return sendError(request, reply, error, clock.now());
  };
}
