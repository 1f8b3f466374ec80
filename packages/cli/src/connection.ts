/**
 * Where the CLI's calls go: `--endpoint` / `--account-name` / `--account-key` (commander folds BATCHITE_ENDPOINT /
 * BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY into these flags), else the client's own defaults — the local server and
 * its well-known development account. The CLI has no HTTP code of its own: every call, Batch or `/.batchite/`, goes
 * through one `BatchClient` (one transport, one retry engine).
 */
import { BatchClient, DEFAULT_CONNECTION, type BatchClientOptions } from '@batchite/client';
import { UsageError } from './cli-errors.js';

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

/** Total time of one CLI call, retries included. */
export const CLI_TIMEOUT_MS = 30_000;

export function connect(flags: GlobalFlags): Connection {
  const endpoint = flags.endpoint ?? DEFAULT_ENDPOINT;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new UsageError(
      `the endpoint '${endpoint}' is not an http(s) URL`,
      'give --endpoint (or BATCHITE_ENDPOINT) like http://127.0.0.1:10100',
    );
  }
  // Interactive: a server that refuses connections is reported after 30 s, not the client's 120 s deadline
  // (still long enough to ride through a restart, and through throttling waits of seconds).
  const options: BatchClientOptions = { endpoint, timeoutMs: CLI_TIMEOUT_MS };
  if (flags.accountName !== undefined) options.accountName = flags.accountName;
  if (flags.accountKey !== undefined) options.accountKey = flags.accountKey;
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
