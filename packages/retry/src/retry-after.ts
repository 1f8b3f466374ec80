/**
 * Retry-After: parsing every form servers send, and turning the server's value into our wait.
 * Order (as Azure SDKs): `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds), then `retry-after` as
 * delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Negative or unparseable values are ignored; 0 is valid.
 */
import type { Random } from './types.js';

/** A WHATWG `Headers` (or anything with `get`), or a plain record such as Node's `IncomingHttpHeaders`. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

const MS_HEADERS = ['retry-after-ms', 'x-ms-retry-after-ms'] as const;
const NUMBER = /^\d+(?:\.\d+)?$/;
// The three HTTP-date forms; anything else (e.g. "1" or "-1", which Date.parse accepts) is not a date.
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : undefined;
}

function parseNumber(value: string | undefined, scale: number): number | undefined {
  const text = value?.trim();
  return text !== undefined && NUMBER.test(text) ? Math.ceil(Number(text) * scale) : undefined;
}

/** Milliseconds until an HTTP-date, 0 when it is in the past, undefined when it is not an HTTP-date. */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  const text = value.trim();
  let time: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) time = Date.parse(text);
  else if (ASCTIME_DATE.test(text))
    time = Date.parse(`${text} GMT`); // asctime has no zone; it means GMT
  else return undefined;
  return Number.isNaN(time) ? undefined : Math.max(0, time - nowMs);
}

/**
 * The wait the server asked for, in milliseconds, or undefined when no header gives a usable value.
 * @param nowMs current time from the injected clock, for HTTP-dates.
 */
export function parseRetryAfter(headers: HeaderSource | undefined, nowMs: number): number | undefined {
  if (headers === undefined || headers === null) return undefined;
  for (const name of MS_HEADERS) {
    const ms = parseNumber(headerValue(headers, name), 1);
    if (ms !== undefined) return ms;
  }
  const raw = headerValue(headers, 'retry-after');
  if (raw === undefined) return undefined;
  return parseNumber(raw, 1000) ?? parseHttpDate(raw, nowMs);
}

/**
 * Our wait for a server-requested `retryAfterMs`: uniform in [RA, RA·(1 + jitter)] so throttled clients spread
 * out, never more than `maxMs`. An RA above `maxMs` is clamped to it (and then there is no spread).
 */
export function retryAfterWait(retryAfterMs: number, jitter: number, maxMs: number, random: Random): number {
  const { lowerMs, upperMs } = retryAfterWindow(retryAfterMs, jitter, maxMs);
  return lowerMs + Math.floor(random() * (upperMs - lowerMs));
}

/** The window `retryAfterWait` draws from: [min(RA, max), min(max, RA·(1 + jitter))]. */
export function retryAfterWindow(retryAfterMs: number, jitter: number, maxMs: number) {
  return { lowerMs: Math.min(retryAfterMs, maxMs), upperMs: Math.min(maxMs, retryAfterMs * (1 + jitter)) };
}
