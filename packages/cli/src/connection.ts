/**
 * Where the CLI's calls go: `--endpoint` / `--account-name` / `--account-key`, else BATCHITE_ENDPOINT /
 * BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY (commander folds the environment into the flags), else the local
 * server and its well-known development account.
 */
import { BatchClient } from '@batchite/client';
import { WELL_KNOWN_ACCOUNT } from '@batchite/protocol';
import { BatchiteApi } from './batchite-api.js';
import { UsageError } from './cli-errors.js';

/** The address `batchite serve` (and `npm start`) listens on by default. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:10100';

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
  /** Every Batch call, through the client's retry handler. */
  client: BatchClient;
  /** Batchite's own endpoints (why, faults), through the same retry handler. */
  api: BatchiteApi;
  endpoint: string;
}

/** Total time of one CLI call, retries included. */
export const CLI_TIMEOUT_MS = 30_000;

export function connect(flags: GlobalFlags): Connection {
  const accountName = flags.accountName ?? WELL_KNOWN_ACCOUNT.name;
  const accountKey = flags.accountKey ?? WELL_KNOWN_ACCOUNT.key;
  const endpoint = flags.endpoint ?? DEFAULT_ENDPOINT;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new UsageError(
      `the endpoint '${endpoint}' is not an http(s) URL`,
      'give --endpoint (or BATCHITE_ENDPOINT) like http://127.0.0.1:10100',
    );
  }
  // Interactive: a server that refuses connections is reported after 30 s, not the client's 120 s deadline
  // (still long enough to ride through a restart, and through throttling waits of seconds).
  const client = new BatchClient({ endpoint, accountName, accountKey, timeoutMs: CLI_TIMEOUT_MS });
  return { client, api: new BatchiteApi(client), endpoint: client.options.endpoint };
}
