/**
 * A small scripted HTTP server for client tests: every request is recorded and its Shared Key signature verified with
 * `@batchite/protocol`'s `stringToSign` and the well-known key (a bad signature gets 403 AuthenticationFailed, so a
 * signing bug fails the test). The test's handler scripts the answers, faults included.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeSignature, parseAuthorization, stringToSign } from '@batchite/protocol';

export const ACCOUNT = 'batchite';
export const KEY = 'Y1dLo/hJxuVMb17X4ToLH2WtcDkvrJZ32NJexlLWhDvgq8iQHk+UCXtsKQQi/7TwdQSp+v9QRJTzehHb2qXnCw==';

export interface RecordedRequest {
  method: string;
  /** Raw request target as received (path + query, encoding untouched). */
  rawUrl: string;
  /** Decoded path without the query. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  json: unknown;
  signatureOk: boolean;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function verify(method: string, rawUrl: string, headers: Record<string, string>): boolean {
  const parsed = parseAuthorization(headers.authorization ?? '');
  if (!parsed || parsed.accountName !== ACCOUNT) return false;
  const text = stringToSign({ method, pathAndQuery: rawUrl, headers, accountName: ACCOUNT });
  return computeSignature(text, KEY) === parsed.signature;
}

export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const url = new URL(rawUrl, 'http://localhost');
      const headers = flatHeaders(req);
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body === '' ? undefined : JSON.parse(body);
      } catch {
        json = undefined;
      }
      const method = req.method ?? 'GET';
      const recorded: RecordedRequest = {
        method,
        rawUrl,
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers,
        body,
        json,
        signatureOk: verify(method, rawUrl, headers),
      };
      requests.push(recorded);
      if (!recorded.signatureOk) {
        sendError(res, 403, 'AuthenticationFailed');
        return;
      }
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        sendError(res, 500, 'InternalError', { message: String(error) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let requestCounter = 0;

function requestId(): string {
  requestCounter += 1;
  return `00000000-0000-0000-0000-${String(requestCounter).padStart(12, '0')}`;
}

/** A Batch JSON error response. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  options: {
    headers?: Record<string, string>;
    message?: string;
    values?: { key: string; value: string }[];
  } = {},
): void {
  const body = JSON.stringify({
    'odata.metadata':
      'http://localhost/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element',
    code,
    message: { lang: 'en-US', value: `${options.message ?? code}\nRequestId:x\nTime:2026-01-01T00:00:00Z` },
    ...(options.values ? { values: options.values } : {}),
  });
  res.writeHead(status, {
    'content-type': 'application/json;odata=minimalmetadata',
    'request-id': requestId(),
    ...options.headers,
  });
  res.end(body);
}

/** A JSON (or empty) success response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'request-id': requestId(),
    ...(body === undefined ? {} : { 'content-type': 'application/json;odata=minimalmetadata' }),
    ...headers,
  });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** Drops the connection without answering (a reset / lost response, as the client sees it). */
export function dropConnection(res: ServerResponse): void {
  res.socket?.destroy();
}
