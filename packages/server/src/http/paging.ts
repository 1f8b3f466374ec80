import type { FastifyRequest } from 'fastify';
import { apiError } from './api-error.js';
import { baseUrl, queryParams } from './request-context.js';

export const DEFAULT_MAX_RESULTS = 1000;
export const MAX_MAX_RESULTS = 1000;
const TOKEN_PARAM = '$skiptoken';

export interface PageRequest {
  maxResults: number;
  /** The id key the previous page ended with. */
  afterKey?: string;
}

function queryValueError(
  name: string,
  value: string,
  reason: string,
  code = 'InvalidQueryParameterValue' as const,
) {
  return apiError(code, {
    values: [
      { key: 'QueryParameterName', value: name },
      { key: 'QueryParameterValue', value },
      { key: 'Reason', value: reason },
    ],
  });
}

/** Reads `maxresults` (1–1000) and the continuation token. */
export function readPageRequest(request: FastifyRequest): PageRequest {
  const query = queryParams(request);
  const page: PageRequest = { maxResults: DEFAULT_MAX_RESULTS };
  const max = query.get('maxresults');
  if (max !== null) {
    if (!/^\d+$/.test(max)) throw queryValueError('maxresults', max, 'maxresults must be an integer.');
    const value = Number(max);
    if (value < 1 || value > MAX_MAX_RESULTS) {
      throw apiError('OutOfRangeQueryParameterValue', {
        values: [
          { key: 'QueryParameterName', value: 'maxresults' },
          { key: 'QueryParameterValue', value: max },
          { key: 'Reason', value: `maxresults must be between 1 and ${MAX_MAX_RESULTS}.` },
        ],
      });
    }
    page.maxResults = value;
  }
  const token = query.get(TOKEN_PARAM);
  if (token !== null) page.afterKey = decodeToken(token);
  return page;
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof parsed.k === 'string') return parsed.k;
  } catch {
    // fall through to the error below
  }
  throw queryValueError(TOKEN_PARAM, token, 'The continuation token is not valid.');
}

/** Absolute next-page link built from the URL the client used (a relative link breaks the 10.x SDK). */
export function nextPageLink(request: FastifyRequest, lastKey: string): string {
  const raw = request.raw.url ?? '/';
  const index = raw.indexOf('?');
  const path = index === -1 ? raw : raw.slice(0, index);
  const kept = (index === -1 ? '' : raw.slice(index + 1))
    .split('&')
    .filter(
      (part) => part !== '' && !part.startsWith(`${TOKEN_PARAM}=`) && !part.startsWith('%24skiptoken='),
    );
  const token = Buffer.from(JSON.stringify({ k: lastKey }), 'utf8').toString('base64url');
  kept.push(`${TOKEN_PARAM}=${token}`);
  return `${baseUrl(request)}${path}?${kept.join('&')}`;
}
