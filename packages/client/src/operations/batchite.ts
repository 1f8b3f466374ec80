/**
 * Batchite's own endpoints under `/.batchite/` (scheduler explanations, fault rules): `request`, a generic signed
 * request, and `why` on top of it. Every attempt goes through the same transport as the Batch operations (Shared Key
 * signed afresh, same fetch) and the client's one retry engine (budget, host gate, deadline, abort), and failures
 * settle into `BatchError` the same way.
 */
import { randomUUID } from 'node:crypto';
import type { JobExplanation, TaskExplanation } from '@batchite/protocol';
import { BatchError } from '../batch-error.js';
import { sendAttempt, type HttpMethod, type WireRequest } from '../http/transport.js';
import type { CallOptions } from '../options.js';
import { toBatchError, type Pipeline } from '../pipeline.js';
import { seg } from './common.js';

/** Where the extension endpoints live; `request` refuses any other path. */
export const EXTENSION_PREFIX = '/.batchite/';

export const DEFAULT_BATCHITE_REQUEST: Readonly<{ expect: readonly number[] }> = Object.freeze({
  /** Any success status the extension endpoints use. */
  expect: Object.freeze([200, 201, 202, 204]),
});

export interface BatchiteRequest extends CallOptions {
  method: HttpMethod;
  /** Path below the endpoint, starting with `/.batchite/`; percent-encode ids (`encodeURIComponent`). No query. */
  path: string;
  /** Query parameters (unencoded). `api-version` and `timeout` are added as on every call. */
  query?: Readonly<Record<string, string>>;
  /** JSON body. */
  body?: unknown;
  /** Success statuses; any other status rejects with a `BatchError`. @defaultValue 200, 201, 202, 204 */
  expect?: readonly number[];
  /**
   * Whether resending after an ambiguous failure (reset, lost answer, 5xx) is safe. Failures that prove the request
   * was not processed (connection refused, 429, 503) are retried either way. @defaultValue true, except for POST
   */
  idempotent?: boolean;
}

export interface BatchiteResponse<T> {
  status: number;
  /** Parsed JSON body; undefined when the answer has none. */
  body: T | undefined;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** The server's `request-id` of the successful attempt. */
  requestId: string | undefined;
  /** Attempts this call took. */
  attempts: number;
}

function toWire(request: BatchiteRequest): WireRequest {
  if (!request.path.startsWith(EXTENSION_PREFIX) || /[?#]/.test(request.path)) {
    throw new TypeError(
      `request() is for Batchite's extension endpoints: the path must start with ${EXTENSION_PREFIX} and carry no query (got ${request.path})`,
    );
  }
  return {
    method: request.method,
    path: request.path,
    query: Object.entries(request.query ?? {}),
    ...(request.body === undefined ? {} : { body: request.body }),
    expect: request.expect ?? DEFAULT_BATCHITE_REQUEST.expect,
    read: request.method === 'HEAD' ? 'none' : 'json',
  };
}

/** One logical call to an extension endpoint through the client's retry engine and transport. */
export async function batchiteRequest<T>(
  pipeline: Pipeline,
  request: BatchiteRequest,
): Promise<BatchiteResponse<T>> {
  const wire = toWire(request);
  const clientRequestId = request.clientRequestId ?? randomUUID();
  const idempotent = request.idempotent ?? request.method !== 'POST';
  let attempts = 0;
  try {
    const response = await pipeline.config.policy.execute(
      (ctx) => {
        attempts = ctx.attempt;
        return sendAttempt(pipeline.config.transport, wire, {
          signal: ctx.signal,
          remainingMs: ctx.remainingMs,
          clientRequestId,
        });
      },
      pipeline.overrides(request, { idempotent }),
    );
    return {
      status: response.status,
      body: response.body as T | undefined,
      headers: response.headers,
      requestId: response.headers['request-id'],
      attempts,
    };
  } catch (thrown) {
    throw toBatchError(thrown, clientRequestId, pipeline.gateClosed());
  }
}

/** The server's explanation of a job's waiting tasks, or of one task. */
export async function why(
  pipeline: Pipeline,
  jobId: string,
  taskId: string | undefined,
  options: CallOptions,
): Promise<JobExplanation | TaskExplanation> {
  const path =
    taskId === undefined
      ? `${EXTENSION_PREFIX}jobs/${seg(jobId)}/why`
      : `${EXTENSION_PREFIX}jobs/${seg(jobId)}/tasks/${seg(taskId)}/why`;
  const response = await batchiteRequest<JobExplanation | TaskExplanation>(pipeline, {
    ...options,
    method: 'GET',
    path,
    expect: [200],
  });
  if (response.body === undefined) {
    throw new BatchError({
      message: `the why answer for ${path} has no body`,
      kind: 'server',
      code: 'InvalidResponseBody',
      statusCode: response.status,
      requestId: response.requestId,
      headers: response.headers,
    });
  }
  return response.body;
}
