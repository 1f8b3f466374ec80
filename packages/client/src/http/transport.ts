/**
 * One HTTP attempt: build the URL, sign with Shared Key (fresh `ocp-date` every attempt), send with fetch, read the
 * response and turn anything but the documented success status into a `BatchError`.
 *
 * Retrying is not done here; the caller runs this once per attempt inside the retry engine.
 */
import { authorizationHeader } from '@batchite/protocol';
import { BatchError, kindOf } from '../batch-error.js';
import { headersToRecord, retryAfterMsOf } from './headers.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Content-Type the official SDK sends for operations that declare a request body (part of the signature). */
export const JSON_ODATA_CONTENT_TYPE = 'application/json; odata=minimalmetadata; charset=utf-8';
/** Content-Type the official SDK sends for every other operation. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Longest server-side `timeout` the service honours, in seconds. */
export const MAX_SERVER_TIMEOUT_SECONDS = 30;

/** Everything about one logical request that does not change between attempts. */
export interface WireRequest {
  method: HttpMethod;
  /** Path below the endpoint, already percent-encoded (`/jobs/j1/tasks/t1/files/wd%2Fx`). */
  path: string;
  /** Query parameters (unencoded), sent after `api-version` in this order. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** An absolute URL to request instead of endpoint + path (paging `odata.nextLink`). */
  url?: string;
  /** JSON body; its presence selects the OData content type. */
  body?: unknown;
  /** The operation declares a body even when `body` is absent (the SDK then still sends the OData content type). */
  declaresBody?: boolean;
  /** Extra headers (conditional headers, `ocp-range`, …). */
  headers?: Readonly<Record<string, string | undefined>>;
  /** Documented success statuses. */
  expect: readonly number[];
  /** How to read a successful response. */
  read: 'json' | 'none' | 'bytes' | 'stream';
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, bytes, a stream, or undefined. */
  body: unknown;
}

export interface TransportConfig {
  endpoint: string;
  accountName: string;
  accountKey: string;
  apiVersion: string;
  userAgent: string;
  fetch: typeof globalThis.fetch;
  /** Current time in ms (the retry engine's clock), for `ocp-date` and HTTP-date Retry-After. */
  now: () => number;
}

export interface AttemptInfo {
  signal: AbortSignal;
  /** Milliseconds left before the call's deadline, when one is known. */
  remainingMs?: number | undefined;
  clientRequestId: string;
}

/** `timeout` query value: the remaining deadline in whole seconds, 1..30; undefined when no deadline is known. */
export function serverTimeoutSeconds(remainingMs: number | undefined): number | undefined {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  return Math.max(1, Math.min(MAX_SERVER_TIMEOUT_SECONDS, Math.floor(remainingMs / 1000)));
}

/** Builds the absolute URL of a request, with `api-version` and `timeout` set. */
export function buildUrl(config: TransportConfig, request: WireRequest, timeoutSeconds?: number): string {
  const base = request.url ?? `${config.endpoint}${request.path}`;
  const queryStart = base.indexOf('?');
  const path = queryStart === -1 ? base : base.slice(0, queryStart);
  // Keep a nextLink's own parameters verbatim (they are opaque); replace only api-version and timeout.
  const kept = (queryStart === -1 ? [] : base.slice(queryStart + 1).split('&')).filter((part) => {
    const name = decodeURIComponent(part.split('=')[0] ?? '').toLowerCase();
    return part !== '' && name !== 'api-version' && name !== 'timeout';
  });
  const own = (request.query ?? []).map(([name, value]) => `${encodeQuery(name)}=${encodeQuery(value)}`);
  const parts = [...own, `api-version=${encodeQuery(config.apiVersion)}`, ...kept];
  if (timeoutSeconds !== undefined) parts.push(`timeout=${timeoutSeconds}`);
  return `${path}?${parts.join('&')}`;
}

function encodeQuery(text: string): string {
  // `$` stays literal in OData names ($filter); everything else as encodeURIComponent.
  return encodeURIComponent(text).replace(/%24/g, '$');
}

interface PreparedRequest {
  url: string;
  init: RequestInit;
}

/** Builds and signs one attempt. Called again for every attempt so `ocp-date` is never stale. */
export function prepareRequest(
  config: TransportConfig,
  request: WireRequest,
  attempt: AttemptInfo,
): PreparedRequest {
  const url = buildUrl(config, request, serverTimeoutSeconds(attempt.remainingMs));
  const bodyBytes =
    request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
  const withBody = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
  const headers: Record<string, string> = {
    'content-type':
      request.body !== undefined || request.declaresBody ? JSON_ODATA_CONTENT_TYPE : JSON_CONTENT_TYPE,
    'ocp-date': new Date(config.now()).toUTCString(),
    'client-request-id': attempt.clientRequestId,
    'return-client-request-id': 'true',
    'user-agent': config.userAgent,
  };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  // fetch sends Content-Length: 0 for a body-less POST/PUT/PATCH and none for GET/DELETE/HEAD; sign exactly that.
  const contentLength = bodyBytes ? String(bodyBytes.byteLength) : withBody ? '0' : '';
  const parsed = new URL(url);
  headers.authorization = authorizationHeader(
    {
      method: request.method,
      pathAndQuery: parsed.pathname + parsed.search,
      headers: { ...headers, 'content-length': contentLength },
      accountName: config.accountName,
    },
    config.accountKey,
  );
  const body = bodyBytes ?? (withBody ? new Uint8Array(0) : undefined);
  return {
    url,
    init: { method: request.method, headers, signal: attempt.signal, ...(body ? { body } : {}) },
  };
}

/** Sends one attempt and returns the successful response, or throws a `BatchError` (or the abort reason). */
export async function sendAttempt(
  config: TransportConfig,
  request: WireRequest,
  attempt: AttemptInfo,
): Promise<WireResponse> {
  const prepared = prepareRequest(config, request, attempt);
  let response: Response;
  try {
    response = await config.fetch(prepared.url, prepared.init);
  } catch (error) {
    throw networkError(error, attempt);
  }
  const headers = headersToRecord(response.headers);
  if (!request.expect.includes(response.status)) {
    const text = await readText(response, attempt);
    throw responseError(response.status, headers, text, attempt.clientRequestId, config.now());
  }
  let text: string | undefined;
  let body: unknown;
  try {
    if (request.read === 'json') text = await response.text();
    else body = await readBody(response, request.read);
  } catch (error) {
    // The status line arrived but the body did not: still a network failure of this attempt.
    throw networkError(error, attempt);
  }
  if (text !== undefined) body = parseJson(text, response.status, headers, attempt.clientRequestId);
  return { status: response.status, headers, body };
}

function parseJson(
  text: string,
  status: number,
  headers: Record<string, string>,
  clientRequestId: string,
): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BatchError({
      message: `the ${status} response body is not valid JSON`,
      kind: 'server',
      code: 'InvalidResponseBody',
      requestId: headers['request-id'],
      clientRequestId,
      headers,
      cause: error,
    });
  }
}

async function readBody(response: Response, read: Exclude<WireRequest['read'], 'json'>): Promise<unknown> {
  switch (read) {
    case 'stream':
      return response.body;
    case 'bytes':
      return new Uint8Array(await response.arrayBuffer());
    case 'none':
      // Drain (bodies here are empty or tiny) so the keep-alive connection can be reused.
      await response.arrayBuffer();
      return undefined;
  }
}

async function readText(response: Response, attempt: AttemptInfo): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw networkError(error, attempt);
  }
}

/** A non-success response as a `BatchError` (Batch JSON error body when there is one). */
export function responseError(
  status: number,
  headers: Record<string, string>,
  text: string,
  clientRequestId: string | undefined,
  nowMs: number,
): BatchError {
  const parsed = parseErrorBody(text);
  const retryAfterMs = retryAfterMsOf(headers, nowMs);
  const message = parsed.message ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
  return new BatchError({
    message: parsed.code ? `${parsed.code}: ${message}` : message,
    kind: kindOf(parsed.code, status, retryAfterMs),
    code: parsed.code,
    statusCode: status,
    requestId: headers['request-id'],
    clientRequestId,
    retryAfterMs,
    values: parsed.values,
    headers,
  });
}

interface ParsedErrorBody {
  code?: string;
  message?: string;
  values?: { key: string; value: string }[];
}

function parseErrorBody(text: string): ParsedErrorBody {
  if (text === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const body = json as { code?: unknown; message?: unknown; values?: unknown };
  const result: ParsedErrorBody = {};
  if (typeof body.code === 'string') result.code = body.code;
  const message = body.message as { value?: unknown } | string | undefined;
  if (typeof message === 'string') result.message = message;
  else if (message && typeof message.value === 'string')
    result.message = message.value.split('\nRequestId:')[0];
  if (Array.isArray(body.values)) result.values = body.values as { key: string; value: string }[];
  return result;
}

/** Codes that prove the request never reached the server (so a create cannot have happened). */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Wraps a fetch failure. When the attempt's signal fired, its reason is rethrown so the engine can tell why. */
export function networkError(error: unknown, attempt: AttemptInfo): unknown {
  if (attempt.signal.aborted) return attempt.signal.reason as unknown;
  const code = errorCodeOf(error) ?? 'NetworkError';
  const detail =
    error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
  return new BatchError({
    message: `network error (${code})${detail ? `: ${detail}` : ''}`,
    kind: 'network',
    code,
    clientRequestId: attempt.clientRequestId,
    cause: error,
  });
}

/** The first `code` string along an error's `cause` chain (fetch puts the socket error in `cause`). */
export function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
