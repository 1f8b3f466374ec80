/**
 * Options of `BatchClient` and of its calls, with their defaults in one frozen object.
 */
import { DEFAULT_API_VERSION } from '@batchite/protocol';
import type { CallRetryOptions, RetryOptions, RetryPolicy } from '@batchite/retry';

export interface BatchClientOptions {
  /** Account URL, e.g. `http://127.0.0.1:10100`. @defaultValue env `BATCHITE_ENDPOINT` */
  endpoint?: string;
  /** @defaultValue env `BATCHITE_ACCOUNT_NAME` */
  accountName?: string;
  /** Base64 account key for Shared Key signing. @defaultValue env `BATCHITE_ACCOUNT_KEY` */
  accountKey?: string;
  /**
   * The retry engine: options for a policy of this client's own, or a `RetryPolicy` to share (its budget and host
   * gate then span every client that uses it). @defaultValue `DEFAULT_RETRY_OPTIONS` of `@batchite/retry`
   */
  retry?: RetryOptions | RetryPolicy;
  /** Service api-version sent on every request. @defaultValue `DEFAULT_API_VERSION` ('2022-10-01.16.0') */
  apiVersion?: string;
  /** Default total time of each call, retries included (the engine's deadline). @defaultValue the engine's deadline */
  timeoutMs?: number;
  /** @defaultValue `batchite-client/<version> Node/<version>` */
  userAgent?: string;
  /** fetch implementation (tests, proxies). @defaultValue `globalThis.fetch` */
  fetch?: typeof globalThis.fetch;
}

/** Per-call options every operation takes. */
export interface CallOptions {
  /** Overrides of the retry policy for this call (attempts, delays, classifier…). */
  retry?: CallRetryOptions;
  /** Cancels the call: a pending wait settles at once and nothing more is sent. Rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Total time of this call, retries included. @defaultValue the client's `timeoutMs` */
  timeoutMs?: number;
  /** `client-request-id` sent on every attempt of this call. @defaultValue a new UUID per call */
  clientRequestId?: string;
}

/** Conditional request headers (reference §1.5). */
export interface ConditionalOptions extends CallOptions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date | string;
  ifUnmodifiedSince?: Date | string;
}

/** Options of single-resource reads. */
export interface GetOptions extends ConditionalOptions {
  /** OData `$select`: comma-separated property names. */
  select?: string;
  /** OData `$expand`, e.g. `stats`. */
  expand?: string;
}

/** Options of list operations. */
export interface ListOptions extends CallOptions {
  /** OData `$filter`, e.g. `state eq 'completed'`. */
  filter?: string;
  select?: string;
  expand?: string;
  /** Page size, 1..1000. @defaultValue the server's (1000) */
  maxResults?: number;
}

export interface ResolvedClientOptions {
  readonly endpoint: string;
  readonly accountName: string;
  readonly accountKey: string;
  readonly apiVersion: string;
  readonly timeoutMs: number | undefined;
  readonly userAgent: string;
  readonly fetch: typeof globalThis.fetch;
}

export const CLIENT_VERSION = '0.1.0';

export const DEFAULT_CLIENT_OPTIONS: Readonly<{ apiVersion: string; userAgent: string }> = Object.freeze({
  apiVersion: DEFAULT_API_VERSION,
  userAgent: `batchite-client/${CLIENT_VERSION} Node/${process.version}`,
});

/** Resolves options once: explicit values, then environment variables, then defaults. Throws on missing values. */
export function resolveClientOptions(
  options: BatchClientOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedClientOptions {
  const endpoint = options.endpoint ?? env.BATCHITE_ENDPOINT;
  const accountName = options.accountName ?? env.BATCHITE_ACCOUNT_NAME;
  const accountKey = options.accountKey ?? env.BATCHITE_ACCOUNT_KEY;
  if (!endpoint)
    throw new TypeError('BatchClient needs an endpoint (option `endpoint` or BATCHITE_ENDPOINT)');
  if (!accountName) {
    throw new TypeError('BatchClient needs an account name (option `accountName` or BATCHITE_ACCOUNT_NAME)');
  }
  if (!accountKey)
    throw new TypeError('BatchClient needs an account key (option `accountKey` or BATCHITE_ACCOUNT_KEY)');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`BatchClient endpoint is not a URL: ${endpoint}`);
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new TypeError('BatchClient timeoutMs must be a positive number of milliseconds');
  }
  return Object.freeze({
    // No trailing slash, so paths join without `//` (a path prefix such as `/acct` is kept and signed).
    endpoint: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    accountName,
    accountKey,
    apiVersion: options.apiVersion ?? DEFAULT_CLIENT_OPTIONS.apiVersion,
    timeoutMs: options.timeoutMs,
    userAgent: options.userAgent ?? DEFAULT_CLIENT_OPTIONS.userAgent,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  });
}
