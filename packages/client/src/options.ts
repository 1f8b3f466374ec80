/**
 * Options of `BatchClient` and of its calls, with their defaults in one frozen object.
 */
import { DEFAULT_API_VERSION } from '@batchite/protocol';
import type { CallRetryOptions, RetryOptions, RetryPolicy } from '@batchite/retry';
import { resolveConnection } from './defaults.js';

export interface BatchClientOptions {
  /** Account URL. @defaultValue env `BATCHITE_ENDPOINT`, else `http://127.0.0.1:10100` (`DEFAULT_CONNECTION`) */
  endpoint?: string;
  /** @defaultValue env `BATCHITE_ACCOUNT_NAME`, else the well-known account `batchite` */
  accountName?: string;
  /**
   * Base64 account key for Shared Key signing. @defaultValue env `BATCHITE_ACCOUNT_KEY`, else the well-known key
   * (only for the well-known account)
   */
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

/** Conditional request headers (Azure Batch REST reference). */
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

/** Resolves options once: explicit values, then environment variables, then defaults (defaults.ts). Throws on bad values. */
export function resolveClientOptions(
  options: BatchClientOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedClientOptions {
  const { endpoint, accountName, accountKey } = resolveConnection(options, env);
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new TypeError('BatchClient timeoutMs must be a positive number of milliseconds');
  }
  return Object.freeze({
    endpoint,
    accountName,
    accountKey,
    apiVersion: options.apiVersion ?? DEFAULT_CLIENT_OPTIONS.apiVersion,
    timeoutMs: options.timeoutMs,
    userAgent: options.userAgent ?? DEFAULT_CLIENT_OPTIONS.userAgent,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  });
}
