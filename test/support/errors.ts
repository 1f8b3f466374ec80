/** Assertions on how the official SDK surfaces Batch errors (Azure Batch REST reference). */
import assert from 'node:assert/strict';
import { RestError } from '@azure/ms-rest-js';

export interface ExpectedBatchError {
  statusCode: number;
  /** The Batch error code in the body; also `e.code`. */
  code: string;
}

/** Matches the tail every Batch error message carries: `\nRequestId:<id>\nTime:<iso>`. */
export const MESSAGE_TAIL = /\nRequestId:([^\n]+)\nTime:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,7})?Z)$/;

async function rejection(promise: Promise<unknown>): Promise<RestError> {
  let settled: unknown;
  try {
    settled = await promise;
  } catch (error) {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected the call to reject, but it resolved with ${JSON.stringify(settled)?.slice(0, 300)}`);
}

function requestIdOf(error: RestError): string | undefined {
  return error.response?.headers.get('request-id');
}

/**
 * Awaits a rejected SDK call and checks the Batch error shape: status, code, `message` an object whose `value`
 * is a string ending in the request id and time, and a `request-id` response header. Returns the error.
 */
export async function expectBatchError(
  promise: Promise<unknown>,
  expected: ExpectedBatchError,
): Promise<RestError> {
  const error = await rejection(promise);
  const body = error.body as { code?: unknown; message?: { lang?: unknown; value?: unknown } } | undefined;
  assert.deepEqual(
    { statusCode: error.statusCode, code: error.code },
    { statusCode: expected.statusCode, code: expected.code },
    `unexpected error ${error.statusCode} ${error.code}: ${JSON.stringify(body)}`,
  );
  assert.equal(body?.code, expected.code);
  assert.equal(typeof body?.message?.value, 'string', 'e.body.message.value must be a string');
  assert.equal(typeof error.message, 'object', 'the SDK surfaces message as the {lang, value} object');
  const requestId = requestIdOf(error);
  assert.ok(requestId, 'error responses carry a request-id header');
  const tail = MESSAGE_TAIL.exec(body?.message?.value as string);
  assert.ok(tail, `message.value must end with RequestId/Time: ${JSON.stringify(body?.message?.value)}`);
  assert.equal(tail[1], requestId, 'RequestId in the message equals the request-id header');
  return error;
}

/**
 * For answers whose Batch body the SDK does not surface: 304 on a conditional GET, 404 on HEAD, and any error of
 * the streaming `file.getFromTask` (10.2.0 never reads that error body: `code` undefined, message
 * "Unexpected status code: 404", checked against a capture server). Status and request-id only; check the body
 * on the wire with `assertBatchErrorResponse` from raw.ts.
 */
export async function expectRestStatus(promise: Promise<unknown>, statusCode: number): Promise<RestError> {
  const error = await rejection(promise);
  assert.equal(error.statusCode, statusCode, `unexpected status, error code ${error.code}`);
  assert.ok(requestIdOf(error), 'every response carries a request-id header');
  return error;
}
