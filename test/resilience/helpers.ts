/**
 * Shared pieces of the resilience suite: the size knob, `batchite serve` as a separate process, fault rules
 * through the admin API, a `fetch` that counts what really went on the wire, and reading `/metrics`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BIN_PATH } from '@batchite/cli';
import { WELL_KNOWN_ACCOUNT } from '@batchite/server';
import { rawRequest } from '../support/raw.js';
import type { Endpoint } from '../support/sdk.js';

/** `BATCHITE_RESILIENCE_FULL=1` selects the full sizes of the issue; anything else the CI-sized ones. */
export const FULL = process.env.BATCHITE_RESILIENCE_FULL === '1';

/** The small (CI) or full value of a size knob. */
export function sized<T>(small: T, full: T): T {
  return FULL ? full : small;
}

/** Upper bound for starting `batchite serve`. */
const SERVE_TIMEOUT_MS = 20_000;

export interface SpawnedServer extends Endpoint {
  readonly dataDir: string;
  readonly pid: number | undefined;
  /** SIGTERM, wait for the exit, remove the data directory. */
  dispose(): Promise<void>;
}

export interface SpawnOptions {
  /** `--rate-limit N`. */
  rateLimit?: number;
  /** Written to a file and passed as `--faults FILE`. */
  faults?: FaultRuleSet;
  /** Start pool `local` with one node of 2 slots, so tasks really run. @defaultValue false (`--no-local-nodes`) */
  localNode?: boolean;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Waits for the line `endpoint: URL` that `batchite serve` prints once it listens. */
function endpointOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`serve did not start in ${SERVE_TIMEOUT_MS} ms: ${output}`)),
      SERVE_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /endpoint:\s+(\S+)/.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code}): ${output}`));
    });
  });
}

/**
 * Starts `batchite serve --port 0 --no-local-nodes` as its own process, so the server's event loop and the
 * clients' do not share a CPU thread (the figures measure the client, not a shared loop).
 */
export async function spawnServer(options: SpawnOptions = {}): Promise<SpawnedServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'batchite-resilience-'));
  const args = [DEFAULT_BIN_PATH, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'silent'];
  args.push(...(options.localNode === true ? ['--nodes', '1', '--slots', '2'] : ['--no-local-nodes']));
  if (options.rateLimit !== undefined) args.push('--rate-limit', String(options.rateLimit));
  if (options.faults !== undefined) {
    const file = join(dataDir, 'faults.json');
    await writeFile(file, JSON.stringify(options.faults));
    args.push('--faults', file);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let url: string;
  try {
    url = await endpointOf(child);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    accountName: WELL_KNOWN_ACCOUNT.name,
    accountKey: WELL_KNOWN_ACCOUNT.key,
    dataDir,
    pid: child.pid,
    async dispose() {
      const gone = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// Fault rules (docs/faults.md), typed loosely on purpose: the server validates them.
export interface FaultRule {
  id?: string;
  match?: Record<string, string>;
  probability?: number;
  count?: number;
  action: Record<string, unknown> & { type: string };
}

export interface FaultRuleSet {
  seed: number;
  rules: FaultRule[];
}

export interface RuleStatus extends FaultRule {
  id: string;
  injected: number;
}

export interface FaultStatus {
  seed: number;
  rules: RuleStatus[];
  totalInjected: number;
}

/** `PUT /.batchite/faults`: replaces the whole rule set. */
export async function putFaults(endpoint: Endpoint, set: FaultRuleSet): Promise<void> {
  const reply = await rawRequest(endpoint, {
    method: 'PUT',
    path: '/.batchite/faults',
    apiVersion: null,
    body: set,
  });
  assert.equal(reply.status, 200, reply.text);
}

/** `GET /.batchite/faults`: the rules with their injection counts. */
export async function getFaults(endpoint: Endpoint): Promise<FaultStatus> {
  const reply = await rawRequest(endpoint, { method: 'GET', path: '/.batchite/faults', apiVersion: null });
  assert.equal(reply.status, 200, reply.text);
  return reply.json as FaultStatus;
}

/** Injections per rule id. */
export function injectedById(status: FaultStatus): Record<string, number> {
  return Object.fromEntries(status.rules.map((rule) => [rule.id, rule.injected]));
}

/** The five HTTP faults of the mixed workload, each as a rule action. */
export const MIXED_FAULTS: ReadonlyArray<{ name: string; action: FaultRule['action'] }> = [
  { name: 'reset', action: { type: 'reset' } },
  { name: 'lostResponse', action: { type: 'lostResponse' } },
  { name: '500', action: { type: 'error', status: 500, code: 'InternalError' } },
  { name: '503', action: { type: 'error', status: 503, code: 'ServerBusy', retryAfter: 1 } },
  { name: '429', action: { type: 'error', status: 429, code: 'TooManyRequests', retryAfter: 1 } },
];

/**
 * Rules that give each of `faults` the same share of the requests matching `match`, `total` in all. Rules are
 * tried in order and the first that fires wins, so rule k gets the conditional probability
 * share / (1 − (k − 1)·share): every fault then hits share of the requests, exactly `total` together.
 */
export function mixedRules(
  prefix: string,
  match: Record<string, string>,
  total: number,
  faults: ReadonlyArray<{ name: string; action: FaultRule['action']; count?: number }> = MIXED_FAULTS,
): FaultRule[] {
  const share = total / faults.length;
  return faults.map((fault, index) => ({
    id: `${prefix}-${fault.name}`,
    match,
    probability: Math.min(1, share / (1 - index * share)),
    ...(fault.count === undefined ? {} : { count: fault.count }),
    action: fault.action,
  }));
}

/** What a counting fetch saw. */
export interface WireCounts {
  requests: number;
  /** Responses by status code. */
  byStatus: Map<number, number>;
  /** Attempts that ended without a response (reset, lost response, refused). */
  networkErrors: number;
}

/** `POST /jobs/{}/addtaskcollection`-style key of a request: method and path with ids replaced by `{}`. */
export function requestKind(method: string, url: string): string {
  const path = new URL(url).pathname
    .split('/')
    .map((segment, index) => (index > 0 && index % 2 === 0 ? '{}' : segment))
    .join('/');
  return `${method} ${path}`;
}

/** A `fetch` for `BatchClient` that counts every attempt and its outcome, and can watch request bodies. */
export class CountingFetch {
  readonly counts: WireCounts = { requests: 0, byStatus: new Map(), networkErrors: 0 };
  /** Requests by `requestKind`. */
  readonly byKind = new Map<string, number>();

  /** Called for every attempt that got no response, with the method, URL and body sent. */
  constructor(private readonly onNetworkError?: (method: string, url: string, body: unknown) => void) {}

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const url = input instanceof Request ? input.url : String(input);
    const kind = requestKind(method, url);
    this.counts.requests += 1;
    this.byKind.set(kind, (this.byKind.get(kind) ?? 0) + 1);
    try {
      const response = await globalThis.fetch(input, init);
      this.counts.byStatus.set(response.status, (this.counts.byStatus.get(response.status) ?? 0) + 1);
      return response;
    } catch (error) {
      this.counts.networkErrors += 1;
      this.onNetworkError?.(method, url, init?.body);
      throw error;
    }
  };

  status(code: number): number {
    return this.counts.byStatus.get(code) ?? 0;
  }

  /** Responses with a 2xx status. */
  get successes(): number {
    let total = 0;
    for (const [code, count] of this.counts.byStatus) if (code >= 200 && code < 300) total += count;
    return total;
  }
}

/** Adds the counts of several fetches. */
export function sumCounts(all: readonly CountingFetch[]): {
  requests: number;
  successes: number;
  status: (code: number) => number;
  networkErrors: number;
} {
  return {
    requests: all.reduce((sum, c) => sum + c.counts.requests, 0),
    successes: all.reduce((sum, c) => sum + c.successes, 0),
    networkErrors: all.reduce((sum, c) => sum + c.counts.networkErrors, 0),
    status: (code) => all.reduce((sum, c) => sum + c.status(code), 0),
  };
}

/**
 * Sum of a Prometheus counter from `/metrics` over the series whose labels include `labels` (0 when absent).
 */
export async function metricSum(
  endpoint: Endpoint,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  // `/metrics` takes the operator's credential (docs/metrics.md): here the account key as a bearer token.
  const response = await fetch(`${endpoint.url}/metrics`, {
    headers: { authorization: `Bearer ${endpoint.accountKey}` },
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  let total = 0;
  for (const line of text.split('\n')) {
    const parsed = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (parsed?.[1] !== name) continue;
    const series = parsed[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => series.includes(`${key}="${value}"`))) {
      total += Number(parsed[3]);
    }
  }
  return total;
}

/** Formats a ratio with 3 decimals (figures are printed, not asserted). */
export function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? 'n/a' : (numerator / denominator).toFixed(3);
}

/** Milliseconds as seconds with one decimal. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs `worker` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await worker(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
  return results;
}
