/**
 * Where the CLI's calls go, first match wins: `--endpoint` (or BATCHITE_ENDPOINT, which commander folds into the
 * flag), then BATCHITE_PORT (the variable `npm start` honours), then the context file of the server started from
 * here (`.batchite/server.json`), then the local default. The account comes from the flags (or
 * BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY), else from the context file when the endpoint came from it, else the
 * well-known development account. The CLI has no HTTP code of its own: every call, Batch or `/.batchite/`, goes
 * through one `BatchClient` (one transport, one retry engine).
 */
import { BatchClient, DEFAULT_CONNECTION, type BatchClientOptions } from '@batchite/client';
import { UsageError } from './cli-errors.js';
import { findServerContext } from './server-context.js';

/** The address `batchite serve` (and `npm start`) listens on by default. */
export const DEFAULT_ENDPOINT = DEFAULT_CONNECTION.endpoint;

/** Options every client command accepts (defined once on the root command). */
export interface GlobalFlags {
  endpoint?: string;
  accountName?: string;
  accountKey?: string;
  /** False with `--no-color`. */
  color: boolean;
  debug?: boolean;
}

export interface Connection {
  /** Every call, Batch and Batchite's own endpoints (why, faults), through the client's retry handler. */
  client: BatchClient;
  endpoint: string;
}

/** The endpoint and account the flags, the environment and the context file give (undefined: client default). */
export interface ConnectionTarget {
  endpoint: string;
  accountName?: string;
  accountKey?: string;
}

/** Applies the precedence above; `env` and `cwd` are parameters so tests need not change the process's own. */
export function resolveTarget(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ConnectionTarget {
  const account = (
    fallback: { accountName?: string; accountKey?: string } = {},
  ): Omit<ConnectionTarget, 'endpoint'> => {
    const target: Omit<ConnectionTarget, 'endpoint'> = {};
    const accountName = flags.accountName ?? fallback.accountName;
    const accountKey = flags.accountKey ?? fallback.accountKey;
    if (accountName !== undefined) target.accountName = accountName;
    if (accountKey !== undefined) target.accountKey = accountKey;
    return target;
  };
  if (flags.endpoint !== undefined) return { endpoint: flags.endpoint, ...account() };
  const port = env.BATCHITE_PORT;
  if (port !== undefined && port !== '') return { endpoint: `http://127.0.0.1:${port}`, ...account() };
  const context = findServerContext(cwd, env);
  if (context !== undefined) return { endpoint: context.endpoint, ...account(context) };
  return { endpoint: DEFAULT_ENDPOINT, ...account() };
}

/** Total time of one CLI call, retries included. */
export const CLI_TIMEOUT_MS = 30_000;

export function connect(flags: GlobalFlags): Connection {
  const target = resolveTarget(flags);
  const endpoint = target.endpoint;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new UsageError(
      `the endpoint '${endpoint}' is not an http(s) URL`,
      'give --endpoint (or BATCHITE_ENDPOINT) like http://127.0.0.1:10100',
    );
  }
  // Interactive: a server that refuses connections is reported after 30 s, not the client's 120 s deadline
  // (still long enough to ride through a restart, and through throttling waits of seconds).
  const options: BatchClientOptions = { endpoint, timeoutMs: CLI_TIMEOUT_MS };
  if (target.accountName !== undefined) options.accountName = target.accountName;
  if (target.accountKey !== undefined) options.accountKey = target.accountKey;
  let client: BatchClient;
  try {
    client = new BatchClient(options);
  } catch (error) {
    // The client refuses bad settings (an empty account name or key) with a TypeError.
    if (!(error instanceof TypeError)) throw error;
    throw new UsageError(
      error.message,
      'check --account-name / --account-key (or BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY)',
    );
  }
  return { client, endpoint: client.options.endpoint };
}
