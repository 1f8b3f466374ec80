/** Helpers shared by the operation files: path encoding, conditional headers, results from response headers. */
import { headerDate } from '../http/headers.js';
import type { WireResponse } from '../http/transport.js';
import type { ConditionalOptions } from '../options.js';

/** Encodes one path segment like the official SDK (`wd/x` → `wd%2Fx`). */
export const seg = (value: string): string => encodeURIComponent(value);

/** Response facts every write returns. */
export interface WriteResult {
  eTag?: string;
  /** ISO-8601 from the `Last-Modified` header. */
  lastModified?: string;
  /** The server's `request-id` of the successful attempt. */
  requestId?: string;
  /** Absolute URL of the affected resource (`DataServiceId`). */
  dataServiceId?: string;
  /** Attempts this call took. */
  attempts: number;
  /**
   * True when the write's outcome was settled by convergence: an earlier attempt was ambiguous and the retry found
   * the work already done (e.g. `JobBeingDeleted` for a retried delete). Headers are then absent.
   */
  converged?: boolean;
}

/** A create's result: `created` by this call, or `existed` — an ambiguous earlier attempt created it (verified). */
export interface CreateResult extends WriteResult {
  status: 'created' | 'existed';
}

/** A single resource with the response's `eTag`, `lastModified` and `requestId`. */
export type WithResponse<T> = T & { eTag?: string; lastModified?: string; requestId?: string };

function isoDate(value: string | undefined): string | undefined {
  return headerDate(value)?.toISOString();
}

export function writeResult(response: WireResponse | undefined, attempts: number): WriteResult {
  if (response === undefined) return { attempts, converged: true };
  const h = response.headers;
  const result: WriteResult = { attempts };
  if (h.etag !== undefined) result.eTag = h.etag;
  const lastModified = isoDate(h['last-modified']);
  if (lastModified !== undefined) result.lastModified = lastModified;
  if (h['request-id'] !== undefined) result.requestId = h['request-id'];
  if (h.dataserviceid !== undefined) result.dataServiceId = h.dataserviceid;
  return result;
}

/** The parsed entity plus `eTag`/`lastModified`/`requestId` from the headers (headers win over the body). */
export function entityResult<T>(response: WireResponse | undefined): WithResponse<T> {
  const body = (response?.body ?? {}) as T & object;
  const h = response?.headers ?? {};
  const result = { ...body } as WithResponse<T>;
  if (h.etag !== undefined) result.eTag = h.etag;
  const lastModified = isoDate(h['last-modified']);
  if (lastModified !== undefined) result.lastModified = lastModified;
  if (h['request-id'] !== undefined) result.requestId = h['request-id'];
  return result;
}

function httpDate(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? new Date(value) : value).toUTCString();
}

/** `If-*` headers from the options (dates as RFC 1123). */
export function conditionalHeaders(options: ConditionalOptions): Record<string, string | undefined> {
  return {
    'if-match': options.ifMatch,
    'if-none-match': options.ifNoneMatch,
    'if-modified-since': httpDate(options.ifModifiedSince),
    'if-unmodified-since': httpDate(options.ifUnmodifiedSince),
  };
}

/** `$select` / `$expand` query of a single-resource read. */
export function selectExpand(options: { select?: string; expand?: string }): [string, string][] {
  const query: [string, string][] = [];
  if (options.select !== undefined) query.push(['$select', options.select]);
  if (options.expand !== undefined) query.push(['$expand', options.expand]);
  return query;
}
