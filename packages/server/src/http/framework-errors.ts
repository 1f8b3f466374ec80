/**
 * Errors the framework answers before any hook runs, in the Batch error body with a `request-id` like every
 * other answer: `frameworkErrors` (bad percent-encoding, over-long path segments) reach Fastify's request
 * objects but skip the hooks; client errors (a request Node's HTTP parser refuses: header block or request line
 * too large, malformed request line or headers) reach only the socket.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '@batchite/retry';
import { apiError, type ApiError } from './api-error.js';
import { batchErrorBody, sendError } from './error-handler.js';
import { assignRequestId } from './request-id.js';

/** A request line this long (or one whose end never arrived) makes a header overflow a 414, not a 431. */
const LONG_REQUEST_LINE = 8 * 1024;

/** For Fastify's `frameworkErrors` option. */
export function frameworkErrorHandler(clock: Clock) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    assignRequestId(request, reply, () => undefined);
    sendError(request, reply, error, clock.now());
  };
}

/** A client error as Node reports it (`rawPacket` is what was received when parsing failed). */
export type ClientError = Error & { code?: string; rawPacket?: unknown };

function requestLineTooLong(raw: unknown): boolean {
  if (!Buffer.isBuffer(raw)) return true;
  const end = raw.indexOf('\r\n');
  return end === -1 || end >= LONG_REQUEST_LINE;
}

/** The Batch error for a request Node's HTTP parser refused (`err.code` is llhttp's, e.g. `HPE_INVALID_METHOD`). */
export function clientErrorAsApiError(error: ClientError): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error.rawPacket)
        ? apiError('InvalidUri', { status: 414, message: 'The request URI is too long.' })
        : apiError('InvalidHeaderValue', { status: 431, message: 'The request headers are too large.' });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return apiError('OperationTimedOut', { status: 408, message: 'The request was not received in time.' });
    case 'HPE_INVALID_METHOD':
      return apiError('InvalidHttpVerb');
    case 'HPE_INVALID_URL':
      return apiError('RequestUrlFailedToParse');
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return apiError('InvalidHeaderValue', { values: [{ key: 'HeaderName', value: 'Content-Length' }] });
    default:
      return apiError('InvalidInput', {
        message: 'The HTTP request could not be parsed.',
        values: [{ key: 'Reason', value: error.code ?? 'malformed request' }],
      });
  }
}

/** For Fastify's `clientErrorHandler` option: answers on the raw socket, then closes it (as Node does). */
export function clientErrorHandler(clock: Clock) {
  return (error: ClientError, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const apiErr = clientErrorAsApiError(error);
      const requestId = randomUUID();
      const address = socket.localAddress ?? 'localhost';
      const base = `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort ?? 0}`;
      const body = JSON.stringify(batchErrorBody(base, requestId, apiErr, clock.now()));
      socket.write(
        `HTTP/1.1 ${apiErr.status} ${STATUS_CODES[apiErr.status] ?? 'Error'}\r\n` +
          `request-id: ${requestId}\r\n` +
          'content-type: application/json;odata=minimalmetadata\r\n' +
          'dataserviceversion: 3.0\r\n' +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          'connection: close\r\n\r\n' +
          body,
      );
    }
    socket.destroy(error);
  };
}
