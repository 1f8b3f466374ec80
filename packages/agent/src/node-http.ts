/**
 * One HTTP exchange with the node API: JSON in, JSON out, and every non-2xx answer turned into a
 * `NodeApiError` that the retry engine can classify (status, Batch error `code`, headers for Retry-After).
 * No retrying here: `server-link.ts` runs these inside the retry engine, once per attempt.
 *
 * Node's own `http`/`https` with keep-alive rather than `fetch`: an agent makes two of these per task, and
 * fetch's streams, signals and Request/Response objects cost ~0.3 ms more CPU per exchange (bench/profile.mjs).
 * Transport failures keep their Node error codes (ECONNREFUSED, ECONNRESET, …) for the retry table.
 */
import http from 'node:http';
import https from 'node:https';

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

/** How a request authenticates: the pool's join token (register) or the node token (everything else). */
export type NodeAuth = { kind: 'join'; joinToken: string } | { kind: 'node'; nodeId: string; token: string };

export interface NodeRequest {
  /** Absolute URL. */
  url: string;
  body: unknown;
  auth: NodeAuth;
  signal: AbortSignal;
}

/** Connections are kept between requests (free sockets do not keep the process alive). */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 10_000 };
const httpAgent = new http.Agent(KEEP_ALIVE);
const httpsAgent = new https.Agent(KEEP_ALIVE);

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
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

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends the bytes and reads the whole answer; rejects with the transport's error (or the signal's reason). */
function exchange(url: URL, headers: Record<string, string>, bytes: Buffer, signal: AbortSignal) {
  const secure = url.protocol === 'https:';
  const send = secure ? https.request : http.request;
  return new Promise<RawAnswer>((resolve, reject) => {
    const request = send(url, { method: 'POST', headers, agent: secure ? httpsAgent : httpAgent, signal });
    request.once('error', (error) => reject(signal.aborted ? (signal.reason as Error) : error));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.end(bytes);
  });
}

/** POSTs `body` as JSON and returns the parsed answer (undefined for an empty body, e.g. 204). */
export async function postJson(request: NodeRequest): Promise<unknown> {
  const bytes = Buffer.from(JSON.stringify(request.body), 'utf8');
  const url = new URL(request.url);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'content-length': String(bytes.byteLength),
  };
  headers.authorization =
    request.auth.kind === 'node'
      ? `BatchiteNode ${request.auth.nodeId}:${request.auth.token}`
      : `BatchiteJoin ${request.auth.joinToken}`;
  const answer = await exchange(url, headers, bytes, request.signal);
  if (answer.status < 200 || answer.status > 299) {
    throw errorFrom(answer.status, answer.text, flatHeaders(answer.headers));
  }
  if (answer.text === '') return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch (error) {
    // A garbled answer (proxy page, cut body): retryable like any transport failure.
    throw Object.assign(new Error(`the ${answer.status} answer is not JSON`, { cause: error }), {
      code: 'InvalidResponseBody',
    });
  }
}
