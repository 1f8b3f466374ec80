/** Small helpers over response headers: lower-case records and the server's requested wait. */
import { parseRetryAfter } from '@batchite/retry';

/** Response headers as a plain record with lower-case names (what the retry classifier reads). */
export function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name.toLowerCase()] = value;
  });
  return record;
}

/**
 * The wait the server asked for, in ms (`retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After` seconds or HTTP-date),
 * parsed by the retry engine's own parser so the error and the engine agree. Undefined when absent.
 */
export function retryAfterMsOf(headers: Readonly<Record<string, string>>, nowMs: number): number | undefined {
  return parseRetryAfter(headers, nowMs);
}

/** Parses an RFC 1123 header date; undefined when absent or invalid. */
export function headerDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
