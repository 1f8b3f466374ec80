/**
 * Signed calls to Batchite's own endpoints under `/.batchite/` (scheduler explanations, fault rules), which
 * `BatchClient` does not cover. Each call is signed with Shared Key afresh on every attempt and runs through the
 * client's own `RetryPolicy`, so the same retry handler, host gate and budget cover these calls too; failures come
 * out as `BatchError`, like every client call.
 */
import { randomUUID } from 'node:crypto';
import { BatchError, isBatchError, kindOf, type BatchClient } from '@batchite/client';
import { authorizationHeader, type JoinTokenResponse } from '@batchite/protocol';
import {
  codeOf,
  isAttemptTimeoutError,
  isDeadlineExceededError,
  isRetryError,
  parseRetryAfter,
  type AttemptContext,
} from '@batchite/retry';
import type { FaultSnapshot, JobExplanation, TaskExplanation } from './batchite-types.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

const CONTENT_TYPE = 'application/json; charset=utf-8';

interface ErrorBody {
  code?: unknown;
  message?: { value?: unknown } | string;
  values?: unknown;
}

function responseError(response: Response, text: string, clientRequestId: string, now: number): BatchError {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  let body: ErrorBody = {};
  try {
    body = text === '' ? {} : (JSON.parse(text) as ErrorBody);
  } catch {
    // Not a Batch error body: the status alone decides the family.
  }
  const code = typeof body.code === 'string' ? body.code : undefined;
  const raw = typeof body.message === 'string' ? body.message : body.message?.value;
  const message = typeof raw === 'string' ? raw.split('\nRequestId:')[0]! : `HTTP ${response.status}`;
  const retryAfterMs = parseRetryAfter(response.headers, now);
  return new BatchError({
    message: code === undefined ? message : `${code}: ${message}`,
    kind: kindOf(code, response.status, retryAfterMs),
    code,
    statusCode: response.status,
    requestId: headers['request-id'],
    clientRequestId,
    retryAfterMs,
    values: Array.isArray(body.values) ? (body.values as { key: string; value: string }[]) : [],
    headers,
  });
}

function networkError(error: unknown, clientRequestId: string): BatchError {
  const code = codeOf(error) ?? 'NetworkError';
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  return new BatchError({
    message: `network error (${code})${cause === '' ? '' : `: ${cause}`}`,
    kind: 'network',
    code,
    clientRequestId,
    cause: error,
  });
}

/** What the retry engine threw, as the `BatchError` of the last attempt (aborts are rethrown as they are). */
function settle(thrown: unknown, clientRequestId: string): unknown {
  if (!isRetryError(thrown)) return thrown;
  if (thrown.reason === 'aborted') return thrown.cause;
  const inner = thrown.lastError;
  const error = isBatchError(inner)
    ? inner
    : new BatchError({
        message:
          isAttemptTimeoutError(inner) || isDeadlineExceededError(inner)
            ? `no answer in time (${inner.message})`
            : thrown.message,
        kind: 'network',
        code: codeOf(inner) ?? thrown.code,
        clientRequestId,
        cause: inner ?? thrown,
      });
  error.attempts = thrown.attempts;
  error.giveUpReason = thrown.reason;
  error.history = thrown.history;
  return error;
}

export class BatchiteApi {
  constructor(private readonly client: BatchClient) {}

  /** One logical call: JSON in, JSON (or nothing) out. Only GETs and DELETEs are retried after an ambiguous failure. */
  async request<T>(
    method: Method,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    const { endpoint } = this.client.options;
    const clientRequestId = randomUUID();
    try {
      return await this.client.retryPolicy.execute(
        (ctx) => this.#attempt<T>(method, path, body, clientRequestId, ctx),
        {
          gateKey: new URL(endpoint).host,
          idempotent: method !== 'POST',
          ...(signal === undefined ? {} : { signal }),
        },
      );
    } catch (thrown) {
      throw settle(thrown, clientRequestId);
    }
  }

  async #attempt<T>(
    method: Method,
    path: string,
    body: unknown,
    clientRequestId: string,
    ctx: AttemptContext,
  ): Promise<T | undefined> {
    const { endpoint, accountName, accountKey, userAgent, fetch } = this.client.options;
    const now = this.client.retryPolicy.options.clock.now();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), 'utf8');
    const withBody = method === 'POST' || method === 'PUT';
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPE,
      'ocp-date': new Date(now).toUTCString(),
      'client-request-id': clientRequestId,
      'user-agent': userAgent,
    };
    const url = new URL(`${endpoint}${path}`);
    // fetch sends Content-Length: 0 for a body-less POST/PUT and none for GET/DELETE; sign exactly that.
    const contentLength = payload ? String(payload.byteLength) : withBody ? '0' : '';
    headers.authorization = authorizationHeader(
      {
        method,
        pathAndQuery: url.pathname + url.search,
        headers: { ...headers, 'content-length': contentLength },
        accountName,
      },
      accountKey,
    );
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        signal: ctx.signal,
        ...(payload ? { body: payload } : withBody ? { body: new Uint8Array(0) } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw networkError(error, clientRequestId);
    }
    if (!response.ok) throw responseError(response, text, clientRequestId, now);
    return text === '' ? undefined : (JSON.parse(text) as T);
  }

  jobWhy(jobId: string, signal?: AbortSignal): Promise<JobExplanation | undefined> {
    return this.request<JobExplanation>('GET', `/.batchite/jobs/${enc(jobId)}/why`, undefined, signal);
  }

  taskWhy(jobId: string, taskId: string): Promise<TaskExplanation | undefined> {
    return this.request<TaskExplanation>('GET', `/.batchite/jobs/${enc(jobId)}/tasks/${enc(taskId)}/why`);
  }

  /** The join token remote agents of `poolId` register with (docs/node-api.md). */
  joinToken(poolId: string): Promise<JoinTokenResponse | undefined> {
    return this.request<JoinTokenResponse>('GET', `/.batchite/pools/${enc(poolId)}/join-token`);
  }

  listFaults(): Promise<FaultSnapshot | undefined> {
    return this.request<FaultSnapshot>('GET', '/.batchite/faults');
  }

  addFault(rule: unknown): Promise<Record<string, unknown> | undefined> {
    return this.request<Record<string, unknown>>('POST', '/.batchite/faults', rule);
  }

  replaceFaults(set: unknown): Promise<FaultSnapshot | undefined> {
    return this.request<FaultSnapshot>('PUT', '/.batchite/faults', set);
  }

  async clearFaults(ruleId?: string): Promise<void> {
    await this.request(
      'DELETE',
      ruleId === undefined ? '/.batchite/faults' : `/.batchite/faults/${enc(ruleId)}`,
    );
  }
}

const enc = (segment: string): string => encodeURIComponent(segment);
