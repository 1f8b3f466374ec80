/**
 * Item 5 of issue 8: API latency under a fixed request rate, with autocannon (10 connections, `overallRate`).
 * A job holds M tasks (disabled, so nothing runs); measured: `GET /jobs/{job}/tasks/{task}` and
 * `GET /jobs/{job}/tasks?maxresults=100` (one page of 100 tasks), each signed with Shared Key once per run
 * (the signature stays valid for the server's 15-minute clock-skew window). Baseline in the same run and at the
 * same rate: `GET /.batchite/health` on the same server (Fastify with no authentication, no store: the floor of
 * the HTTP stack).
 *
 *   node bench/api-load.mjs [--full] [--rate R] [--seconds S]
 */
import autocannon from 'autocannon';
import { authorizationHeader } from '@batchite/protocol';
import { disabledJob, ingest } from './ingest.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { ACCOUNT, startServer } from './lib/server.mjs';

const API_VERSION = '2022-10-01.16.0';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** Headers of a signed GET of `pathAndQuery`. */
function signedHeaders(pathAndQuery) {
  const headers = {
    'ocp-date': new Date().toUTCString(),
    'content-type': 'application/json; odata=minimalmetadata',
  };
  const authorization = authorizationHeader(
    { method: 'GET', pathAndQuery, headers: { ...headers, 'content-length': '' }, accountName: ACCOUNT.name },
    ACCOUNT.key,
  );
  return { ...headers, authorization };
}

/** Runs autocannon at a fixed overall rate; returns latency percentiles (ms) and counts. */
async function load(url, path, { rate, seconds, signed }) {
  const result = await autocannon({
    url: url + path,
    connections: 10,
    overallRate: rate,
    duration: seconds,
    headers: signed ? signedHeaders(path) : {},
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0)
    throw new Error(
      `${path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  return {
    mean: result.latency.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    rps: result.requests.average,
  };
}

/** autocannon keeps latencies in whole milliseconds: its mean has decimals, its percentiles do not. */
const summary = (r) =>
  `mean ${fmt(r.mean, 2)} ms, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms (${fmt(r.rps)} req/s achieved)`;

async function main() {
  const args = benchArgs();
  const rate = Number(option('--rate', sized(args, 200, 500)));
  const seconds = Number(option('--seconds', sized(args, 10, 30)));
  const tasks = sized(args, 1000, 10_000);
  console.log(`# item 5: API latency at ${rate} req/s for ${seconds} s, job of ${fmt(tasks)} tasks`);
  const server = await startServer({ nodes: 1, slots: 2 });
  let health;
  let get;
  let list;
  try {
    await disabledJob(server, 'load');
    await ingest(server, 'load', tasks);
    const query = `api-version=${API_VERSION}`;
    const options = { rate, seconds };
    // Warm-up, then baseline and the two operations.
    await load(server.url, '/.batchite/health', { ...options, seconds: 2, signed: false });
    health = await load(server.url, '/.batchite/health', { ...options, signed: false });
    console.log(`  GET /.batchite/health: ${summary(health)}`);
    get = await load(server.url, `/jobs/load/tasks/t${Math.floor(tasks / 2)}?${query}`, {
      ...options,
      signed: true,
    });
    console.log(`  GET task: ${summary(get)}`);
    list = await load(server.url, `/jobs/load/tasks?${query}&maxresults=100`, { ...options, signed: true });
    console.log(`  list tasks (100 per page): ${summary(list)}`);
  } finally {
    await server.stop();
  }
  const size = args.full ? 'full' : 'small';
  const command = `node bench/api-load.mjs${args.full ? ' --full' : ''}`;
  for (const [key, name, r] of [
    ['get', 'GET task', get],
    ['list', 'List tasks (page of 100)', list],
  ]) {
    await record({
      key: `5 ${size} ${key}`,
      name: `API latency: ${name} at ${rate} req/s (autocannon, 10 connections, ${seconds} s)`,
      command,
      figure: summary(r),
      baseline: `GET /.batchite/health: ${summary(health)}`,
      ratio: `mean ${ratio(r.mean, health.mean)}, p99 ${ratio(r.p99, health.p99)}`,
      target: 'reported (no target in issue 8)',
      met: 'n/a',
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
