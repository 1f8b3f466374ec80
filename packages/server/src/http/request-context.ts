import type { FastifyReply, FastifyRequest } from 'fastify';

/** Base URL the client used (scheme + Host header), for `url`, `odata.metadata` and absolute `odata.nextLink`. */
export function baseUrl(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const scheme = typeof forwarded === 'string' && forwarded !== '' ? forwarded.split(',')[0]!.trim() : 'http';
  return `${scheme}://${request.headers.host ?? 'localhost'}`;
}

/** Single header value (first when repeated), undefined when absent. */
export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The raw query string's parameters, decoded, names as sent. */
export function queryParams(request: FastifyRequest): URLSearchParams {
  const raw = request.raw.url ?? '';
  const index = raw.indexOf('?');
  return new URLSearchParams(index === -1 ? '' : raw.slice(index + 1));
}

/** Headers every Batch JSON response carries besides request-id. */
export function setJsonHeaders(reply: FastifyReply): void {
  reply.header('content-type', 'application/json;odata=minimalmetadata');
  reply.header('dataserviceversion', '3.0');
}
