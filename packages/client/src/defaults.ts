/**
 * Where a `BatchClient` connects when nothing says otherwise: the local development server and its well-known
 * account, like Azurite's `UseDevelopmentStorage=true`. Resolved once, here: explicit options, then the
 * `BATCHITE_*` environment variables, then `DEFAULT_CONNECTION`.
 */
import { WELL_KNOWN_ACCOUNT } from '@batchite/protocol';

/** The development server (`npm start`, `batchite serve`) and its well-known account. */
export const DEFAULT_CONNECTION: Readonly<{ endpoint: string; accountName: string; accountKey: string }> =
  Object.freeze({
    endpoint: 'http://127.0.0.1:10100',
    accountName: WELL_KNOWN_ACCOUNT.name,
    accountKey: WELL_KNOWN_ACCOUNT.key,
  });

/** The environment variables read for each connection setting. */
export const CONNECTION_ENV = Object.freeze({
  endpoint: 'BATCHITE_ENDPOINT',
  accountName: 'BATCHITE_ACCOUNT_NAME',
  accountKey: 'BATCHITE_ACCOUNT_KEY',
});

export interface ConnectionOptions {
  endpoint?: string | undefined;
  accountName?: string | undefined;
  accountKey?: string | undefined;
}

export interface ResolvedConnection {
  /** Without a trailing slash (a path prefix such as `/acct` is kept). */
  readonly endpoint: string;
  readonly accountName: string;
  readonly accountKey: string;
}

/** An explicit value, else the environment's (an empty variable counts as unset). */
function pick(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  if (explicit !== undefined) return explicit;
  const fromEnv = env[name];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * Endpoint and account: explicit options win, then BATCHITE_ENDPOINT / BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY,
 * then `DEFAULT_CONNECTION` — each setting on its own, as the server resolves its account (so a server started with
 * only BATCHITE_ACCOUNT_NAME set keeps the well-known key, and a client with the same environment matches it).
 * Throws `TypeError` on an empty name or key, or an endpoint that is not an http(s) URL.
 */
export function resolveConnection(
  options: ConnectionOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedConnection {
  const endpoint = pick(options.endpoint, env, CONNECTION_ENV.endpoint) ?? DEFAULT_CONNECTION.endpoint;
  const accountName =
    pick(options.accountName, env, CONNECTION_ENV.accountName) ?? DEFAULT_CONNECTION.accountName;
  const accountKey =
    pick(options.accountKey, env, CONNECTION_ENV.accountKey) ?? DEFAULT_CONNECTION.accountKey;
  if (accountName === '') throw new TypeError('BatchClient accountName must not be empty');
  if (accountKey === '') throw new TypeError('BatchClient accountKey must not be empty');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`BatchClient endpoint is not a URL: ${endpoint}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`BatchClient endpoint must be an http(s) URL: ${endpoint}`);
  }
  // No trailing slash, so paths join without `//` (a path prefix such as `/acct` is kept and signed).
  return Object.freeze({
    endpoint: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    accountName,
    accountKey,
  });
}
