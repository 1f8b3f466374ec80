/**
 * Reads facts from thrown values by convention, never by message text: `statusCode ?? status`, a string `code`,
 * `headers` (WHATWG `Headers` or a plain record), `retryAfterMs`, following `cause` and `AggregateError.errors`.
 */
import { parseRetryAfter, type HeaderSource } from './retry-after.js';

/** How deep `cause` chains are followed (AWS uses the same bound). */
const MAX_CHAIN = 10;

type Bag = Record<string, unknown>;

function isObject(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

/** The thrown value and the errors behind it, the thrown one first; cycles and depth are bounded. */
export function errorChain(error: unknown): Bag[] {
  const out: Bag[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < MAX_CHAIN) {
    const link = queue.shift();
    if (!isObject(link) || out.includes(link)) continue;
    out.push(link);
    if ('cause' in link) queue.push(link.cause);
    // Node's happy-eyeballs connect failures are AggregateErrors; their members carry the codes.
    if (link instanceof AggregateError && Array.isArray(link.errors))
      queue.push(...(link.errors as unknown[]));
  }
  return out;
}

/** HTTP status of one link: `statusCode ?? status`, only when it is a plausible status number. */
export function linkStatus(link: Bag): number | undefined {
  const value = link.statusCode ?? link.status;
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599
    ? value
    : undefined;
}

/** String `code` of one link (DOMException's numeric codes are ignored). */
export function linkCode(link: Bag): string | undefined {
  return typeof link.code === 'string' && link.code !== '' ? link.code : undefined;
}

/** First HTTP status along the chain. */
export function statusOf(error: unknown): number | undefined {
  for (const link of errorChain(error)) {
    const status = linkStatus(link);
    if (status !== undefined) return status;
  }
  return undefined;
}

/** First string code along the chain (`ECONNRESET` for fetch's `TypeError('fetch failed')`). */
export function codeOf(error: unknown): string | undefined {
  for (const link of errorChain(error)) {
    const code = linkCode(link);
    if (code !== undefined) return code;
  }
  return undefined;
}

function linkHeaders(link: Bag): HeaderSource | undefined {
  const direct = link.headers;
  if (isObject(direct)) return direct as HeaderSource;
  const response = link.response;
  if (isObject(response) && isObject(response.headers)) return response.headers as HeaderSource;
  return undefined;
}

/**
 * The wait the server asked for, in ms: a numeric `retryAfterMs` already on the error wins, else the headers of
 * the first link that has parseable ones. Negative or garbage values are ignored.
 */
export function retryAfterOf(error: unknown, nowMs: number): number | undefined {
  for (const link of errorChain(error)) {
    const given = link.retryAfterMs;
    if (typeof given === 'number' && Number.isFinite(given) && given >= 0) return given;
    const headers = linkHeaders(link);
    const parsed = headers === undefined ? undefined : parseRetryAfter(headers, nowMs);
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** Short words for a message: `503 ServerBusy`, `ECONNRESET`, or `TypeError: boom`. */
export function describeError(error: unknown): string {
  const parts = [statusOf(error), codeOf(error)].filter((part) => part !== undefined);
  if (parts.length > 0) return parts.join(' ');
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (isObject(error)) return Object.prototype.toString.call(error);
  return String(error);
}
