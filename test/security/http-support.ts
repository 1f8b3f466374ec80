/**
 * Helpers of the HTTP security suites: requests a task on the server's machine could send (loopback, no
 * credential), raw bytes on a socket for what an HTTP client library refuses to send, and the checks of a
 * refusal (Batch error body, request-id, nothing of the protected data in it).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** A plain fetch: no Shared Key, and only the headers given. */
export async function plain(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface RawAnswer {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/** Writes `request` verbatim on a new connection and reads until the server closes it. */
export function rawExchange(url: string, request: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.end(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split === -1 ? '' : text.slice(split + 4),
      });
    });
  });
}

/** The Batch error body: odata.metadata, code, message {lang, value ending in RequestId/Time}, request-id. */
export function assertBatchError(
  answer: { status: number; requestId: string | null | undefined; body: unknown },
  status: number,
  code: string,
): void {
  const body = answer.body as { 'odata.metadata'?: unknown; code?: unknown; message?: any } | undefined;
  assert.deepEqual({ status: answer.status, code: body?.code }, { status, code }, JSON.stringify(body));
  assert.equal(typeof body?.['odata.metadata'], 'string', 'odata.metadata');
  assert.equal(body?.message?.lang, 'en-US');
  assert.ok(answer.requestId, 'request-id header');
  assert.match(String(body?.message?.value), new RegExp(`\\nRequestId:${answer.requestId}\\nTime:`));
}

export function assertAnswerIsBatchError(answer: Answer, status: number, code: string): void {
  assertBatchError(
    { status: answer.status, requestId: answer.headers.get('request-id'), body: answer.json },
    status,
    code,
  );
}

export function assertRawIsBatchError(answer: RawAnswer, status: number, code: string): void {
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    assert.fail(`not a JSON body: ${answer.status} ${answer.body.slice(0, 300)}`);
  }
  assertBatchError({ status: answer.status, requestId: answer.headers['request-id'], body }, status, code);
}

/** `{"a":{"a":…}}` nested `depth` levels deep, built without recursion. */
export function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
