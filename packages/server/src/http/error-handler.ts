import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { BatchErrorBody } from '@batchite/protocol';
import { TaskFileError } from '@batchite/protocol/task-files';
import { ApiError, apiError } from './api-error.js';
import { baseUrl, setJsonHeaders } from './request-context.js';

/** Task-file errors of the shared file module, as Batch errors. */
function fromTaskFile(error: TaskFileError): ApiError {
  if (error.code === 'DirectoryNotEmpty') {
    return apiError('OperationInvalidForCurrentState', {
      message: error.message,
      values: [{ key: 'Reason', value: 'DirectoryNotEmpty' }],
    });
  }
  return apiError(error.code, { message: error.message });
}

/** Framework errors as Batch errors: exact counterparts first, then any other 4xx the framework raises. */
function fromFramework(error: FastifyError): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('RequestBodyTooLarge');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('InvalidHeaderValue', { values: [{ key: 'HeaderName', value: 'Content-Length' }] });
    case 'FST_ERR_BAD_URL':
      return apiError('RequestUrlFailedToParse', {
        values: [{ key: 'Reason', value: 'The path is not valid percent-encoded UTF-8.' }],
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return apiError('InvalidUri', {
        status: 414,
        message: 'The request URI is too long.',
        values: [{ key: 'Reason', value: 'A path segment is longer than any resource id.' }],
      });
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return apiError('InvalidUri');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return apiError('InvalidHeaderValue', {
        status: 415,
        values: [{ key: 'HeaderName', value: 'Content-Type' }],
      });
  }
  // Only the framework's own errors: a 4xx status on anything else is not a promise about its message.
  const status = error.statusCode ?? 0;
  if (error.code?.startsWith('FST_') === true && status >= 400 && status < 500) {
    return apiError('InvalidInput', { status, values: [{ key: 'Reason', value: error.message }] });
  }
  return undefined;
}

const errorCodes = new WeakMap<FastifyRequest, string>();

/** The Batch error code a request was answered with (metrics), if it failed. */
export function errorCodeOf(request: FastifyRequest): string | undefined {
  return errorCodes.get(request);
}

/** The Batch error body; `base` is the URL the client used (scheme and host). */
export function batchErrorBody(
  base: string,
  requestId: string,
  error: ApiError,
  nowMs: number,
): BatchErrorBody {
  const body: BatchErrorBody = {
    'odata.metadata': `${base}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element`,
    code: error.code,
    message: {
      lang: 'en-US',
      value: `${error.message}\nRequestId:${requestId}\nTime:${new Date(nowMs).toISOString()}`,
    },
  };
  if (error.values.length > 0) body.values = [...error.values];
  return body;
}

export function errorBody(request: FastifyRequest, error: ApiError, nowMs: number): BatchErrorBody {
  return batchErrorBody(baseUrl(request), request.id, error, nowMs);
}

/**
 * The only place that writes error bodies. Unknown failures become 500 InternalError with the request id and
 * nothing of the stack on the wire (the log has it).
 */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  nowMs: number,
): FastifyReply {
  let apiErr: ApiError;
  if (error instanceof ApiError) {
    apiErr = error;
  } else if (error instanceof TaskFileError) {
    apiErr = fromTaskFile(error);
  } else {
    const mapped = fromFramework(error as FastifyError);
    if (mapped === undefined) request.log.error({ err: error }, 'unhandled error');
    apiErr = mapped ?? apiError('InternalError');
  }
  errorCodes.set(request, apiErr.code);
  for (const [name, value] of Object.entries(apiErr.headers)) reply.header(name, value);
  reply.code(apiErr.status);
  if (request.method === 'HEAD' || apiErr.status === 304) return reply.send();
  setJsonHeaders(reply);
  return reply.send(JSON.stringify(errorBody(request, apiErr, nowMs)));
}
