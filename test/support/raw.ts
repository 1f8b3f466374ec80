/**
 * Raw HTTP against the server, signed with our own Shared Key signer (or deliberately not), over node:http so
 * Content-Length and the body bytes are exactly what the test says.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { authorizationHeader } from '@batchite/protocol';
import { MESSAGE_TAIL } from './errors.js';
import { SDK_API_VERSION } from './ids.js';
import type { Endpoint } from './sdk.js';

export interface RawRequestOptions {
  method: string;
  /** Path as it goes on the wire, already percent-encoded where needed, e.g. `/jobs/j1/tasks`. */
  path: string;
  /** Extra query parameters, encoded with encodeURIComponent, after `api-version`. */
  query?: Record<string, string>;
  /** `api-version` value; `null` leaves it out. @defaultValue SDK_API_VERSION */
  apiVersion?: string | null;
  /** Extra or overriding headers (lower-case names). A header set to `null` is removed before signing. */
  headers?: Record<string, string | null>;
  /** Object → JSON; string/Buffer sent as is. */
  body?: unknown;
  /** Compute and send a Shared Key Authorization header. @defaultValue true */
  sign?: boolean;
  /** Send this Authorization value verbatim (after signing, so it replaces the computed one). */
  authorization?: string;
  /** Sign with this key instead of the endpoint's. */
  accountKey?: string;
  /** Value of `ocp-date`. @defaultValue now */
  ocpDate?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
}

function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Path plus query exactly as it will be sent (and signed). */
export function pathAndQueryOf(options: Pick<RawRequestOptions, 'path' | 'query' | 'apiVersion'>): string {
  const params: string[] = [];
  const apiVersion = options.apiVersion === undefined ? SDK_API_VERSION : options.apiVersion;
  if (apiVersion !== null) params.push(`api-version=${encodeURIComponent(apiVersion)}`);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    params.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return params.length === 0 ? options.path : `${options.path}?${params.join('&')}`;
}

function buildHeaders(endpoint: Endpoint, options: RawRequestOptions, pathAndQuery: string, body?: Buffer) {
  const method = options.method.toUpperCase();
  const hasBodySemantics = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const headers: Record<string, string> = {
    'ocp-date': options.ocpDate ?? new Date().toUTCString(),
    'content-type': hasBodySemantics
      ? 'application/json; odata=minimalmetadata; charset=utf-8'
      : 'application/json; charset=utf-8',
  };
  if (body !== undefined) headers['content-length'] = String(body.length);
  else if (hasBodySemantics) headers['content-length'] = '0';
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  if (options.sign ?? true) {
    headers['authorization'] = authorizationHeader(
      { method, pathAndQuery, headers, accountName: endpoint.accountName },
      options.accountKey ?? endpoint.accountKey,
    );
  }
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  return headers;
}

export function rawRequest(endpoint: Endpoint, options: RawRequestOptions): Promise<RawResponse> {
  const body = bodyBytes(options.body);
  const pathAndQuery = pathAndQueryOf(options);
  const headers = buildHeaders(endpoint, options, pathAndQuery, body);
  const base = new URL(endpoint.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: options.method.toUpperCase(),
        path: pathAndQuery,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const isJson = /json/i.test(res.headers['content-type'] ?? '') && text.length > 0;
          let json: unknown;
          try {
            json = isJson ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface ExpectedRawError {
  status: number;
  code: string;
  /** `values` entries that must be present: key → exact value, a pattern, or `true` for any string. */
  values?: Record<string, string | RegExp | true>;
}

/** Checks the Batch JSON error body (Azure Batch REST reference) and the request-id header of a raw response. */
export function assertBatchErrorResponse(res: RawResponse, expected: ExpectedRawError): void {
  const body = res.json as
    | {
        'odata.metadata'?: unknown;
        code?: unknown;
        message?: { lang?: unknown; value?: unknown };
        values?: { key?: unknown; value?: unknown }[];
      }
    | undefined;
  assert.deepEqual(
    { status: res.status, code: body?.code },
    { status: expected.status, code: expected.code },
    `unexpected error response: ${res.status} ${res.text.slice(0, 500)}`,
  );
  const requestId = res.headers['request-id'];
  assert.ok(typeof requestId === 'string' && requestId.length > 0, 'request-id header on every response');
  assert.equal(typeof body?.['odata.metadata'], 'string', 'error body has odata.metadata');
  assert.equal(typeof body?.message?.lang, 'string', 'message.lang');
  assert.equal(typeof body?.message?.value, 'string', 'message.value');
  const tail = MESSAGE_TAIL.exec(body?.message?.value as string);
  assert.ok(tail, `message.value ends with RequestId/Time: ${JSON.stringify(body?.message?.value)}`);
  assert.equal(tail[1], requestId, 'RequestId in the message equals the request-id header');
  assert.ok(!Number.isNaN(Date.parse(tail[2] as string)), 'Time is a valid ISO timestamp');
  for (const [key, value] of Object.entries(expected.values ?? {})) {
    const entry = body?.values?.find((v) => v.key === key);
    assert.ok(entry, `values has ${key}: ${JSON.stringify(body?.values)}`);
    if (value === true) assert.equal(typeof entry.value, 'string', `values.${key} is a string`);
    else if (value instanceof RegExp) assert.match(String(entry.value), value, `values.${key}`);
    else assert.equal(entry.value, value, `values.${key}`);
  }
}
