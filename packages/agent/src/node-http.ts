/**
 * One HTTP exchange with the node API: JSON in, JSON out, and every non-2xx answer turned into a
 * `NodeApiError` that the retry engine can classify (status, Batch error `code`, headers for Retry-After).
 * No retrying here: `server-link.ts` runs these inside the retry engine, once per attempt.
 */
import { authorizationHeader } from '@batchite/protocol';

/** A non-2xx answer from the node API. */
export class NodeApiError extends Error {
  override readonly name = 'NodeApiError';
  readonly statusCode: number;
  /** The Batch error code of the body (`NodeNotFound`, `ServerBusy`, …), when there is one. */
  readonly code: string | undefined;
  readonly headers: Record<string, string>;
  readonly requestId: string | undefined;
  /** True when the request carried a node token that was already replaced by a newer registration. */
  staleToken = false;

  constructor(
    statusCode: number,
    code: string | undefined,
    message: string,
    headers: Record<string, string>,
  ) {
    super(`${statusCode}${code === undefined ? '' : ` ${code}`}: ${message}`);
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
    this.requestId = headers['request-id'];
  }
}

/** How a request authenticates: the account's Shared Key (register) or a node token (everything else). */
export type NodeAuth =
  | { kind: 'sharedKey'; accountName: string; accountKey: string; now: number }
  | { kind: 'node'; nodeId: string; token: string };

export interface NodeRequest {
  /** Absolute URL. */
  url: string;
  body: unknown;
  auth: NodeAuth;
  signal: AbortSignal;
  fetch: typeof globalThis.fetch;
}

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function errorFrom(status: number, text: string, headers: Record<string, string>): NodeApiError {
  let code: string | undefined;
  let message = text.trim().slice(0, 200) || `HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    const value = (body.message as { value?: unknown } | undefined)?.value ?? body.message;
    if (typeof value === 'string') message = value;
  } catch {
    // not a Batch error body: keep the raw text
  }
  return new NodeApiError(status, code, message, headers);
}

/** POSTs `body` as JSON and returns the parsed answer (undefined for an empty body, e.g. 204). */
export async function postJson(request: NodeRequest): Promise<unknown> {
  const bytes = Buffer.from(JSON.stringify(request.body), 'utf8');
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (request.auth.kind === 'node') {
    headers.authorization = `BatchiteNode ${request.auth.nodeId}:${request.auth.token}`;
  } else {
    headers['ocp-date'] = new Date(request.auth.now).toUTCString();
    const url = new URL(request.url);
    headers.authorization = authorizationHeader(
      {
        method: 'POST',
        pathAndQuery: url.pathname + url.search,
        // fetch sends exactly this Content-Length for a byte body; sign what goes on the wire.
        headers: { ...headers, 'content-length': String(bytes.byteLength) },
        accountName: request.auth.accountName,
      },
      request.auth.accountKey,
    );
  }
  const response = await request.fetch(request.url, {
    method: 'POST',
    headers,
    body: bytes,
    signal: request.signal,
  });
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw errorFrom(response.status, text, headersOf(response));
  }
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // A garbled answer (proxy page, cut body): retryable like any transport failure.
    throw Object.assign(new Error(`the ${response.status} answer is not JSON`, { cause: error }), {
      code: 'InvalidResponseBody',
    });
  }
}
