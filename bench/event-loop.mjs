/**
 * Issue 12 point 6: no request blocks the server's event loop for more than 50 ms. The server runs in this
 * process so a `perf_hooks.monitorEventLoopDelay` histogram (10 ms resolution) sees its loop; the heaviest
 * dependency calls run against it for a fixed time, one after another:
 *   - `why` of a task that depends on the widest range Batch allows (0..2^31-1) and of one that names every
 *     parent id in `dependsOn.taskIds` (the 64,000-character list),
 *   - `why` of the whole job (its active tasks, the dependants among them),
 *   - the dashboard's job view, its task page (wait reasons per row) and the task view of the widest dependant.
 * One heavy call at a time, round-robin: the target is per request handler. A job holds N numeric-id parents
 * (1,000 small / 10,000 full) and D dependants with wide ranges; no nodes, so
 * everything stays active (the most work for a dependency check). Also reported: latency of a light signed
 * call (`GET /jobs/{job}`) made all along. Baseline (same run): the loop's delay with the light calls alone, for
 * the same time — the machine's own noise. The client shares the loop with the server, so the figure is an
 * upper bound of the server's own delay.
 *
 *   node bench/event-loop.mjs [--full] [--seconds S]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BatchClient } from '@batchite/client';
import { authorizationHeader } from '@batchite/protocol';
import { startServer } from '@batchite/server';
import { percentile } from './lib/stats.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { ACCOUNT } from './lib/server.mjs';

const API_VERSION = '2022-10-01.16.0';
const INT32_MAX = 2_147_483_647;
const TARGET_MS = 50;
// One heavy call at a time: the target is per request handler; concurrent ones would add up their slices.
const CONCURRENCY = 1;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** A signed GET (Shared Key); the dashboard's paths are sent the same way. */
async function get(url, path) {
  const pathAndQuery = path.startsWith('/jobs') ? `${path}?api-version=${API_VERSION}` : path;
  const headers = { 'ocp-date': new Date().toUTCString() };
  const authorization = authorizationHeader(
    { method: 'GET', pathAndQuery, headers: { ...headers, 'content-length': '' }, accountName: ACCOUNT.name },
    ACCOUNT.key,
  );
  const response = await fetch(url + pathAndQuery, { headers: { ...headers, authorization } });
  await response.arrayBuffer();
  return response.status;
}

async function setUp(client, parents, dependants) {
  await client.createPool({ id: 'p', vmSize: 'local', targetDedicatedNodes: 0 });
  await client.createJob({ id: 'deps', poolInfo: { poolId: 'p' }, usesTaskDependencies: true });
  const ids = Array.from({ length: parents }, (_, i) => String(i));
  const tasks = ids.map((id) => ({ id, commandLine: '/bin/true' }));
  tasks.push({ id: 'listed', commandLine: '/bin/true', dependsOn: { taskIds: ids } });
  for (let i = 0; i < dependants; i++) {
    const ranges = [
      { start: i, end: INT32_MAX },
      { start: 0, end: i },
    ];
    tasks.push({ id: `wide-${i}`, commandLine: '/bin/true', dependsOn: { taskIdRanges: ranges } });
  }
  const outcomes = await client.createTasks('deps', tasks, { concurrency: 8 });
  const failed = outcomes.filter((outcome) => outcome.status !== 'created');
  if (failed.length > 0) throw new Error(`${failed.length} tasks not created: ${failed[0].error?.message}`);
}

/** Runs `paths` round-robin on CONCURRENCY workers until `deadline`; returns statuses seen. */
async function drive(url, paths, deadline) {
  const statuses = new Map();
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const path = paths[next++ % paths.length];
      const status = await get(url, path);
      statuses.set(
        `${status} ${path.split('?')[0]}`,
        (statuses.get(`${status} ${path.split('?')[0]}`) ?? 0) + 1,
      );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/** A light signed call every 20 ms until `deadline`; returns its latencies (ms). */
async function light(url, deadline) {
  const latencies = [];
  while (performance.now() < deadline) {
    const started = performance.now();
    await get(url, '/jobs/deps');
    latencies.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return latencies;
}

async function main() {
  const args = benchArgs();
  const parents = sized(args, 1000, 10_000);
  const dependants = sized(args, 20, 100);
  const seconds = Number(option('--seconds', sized(args, 10, 30)));
  console.log(
    `# issue 12 point 6: event-loop delay, ${fmt(parents)} parents, ${dependants} wide dependants, ${seconds} s`,
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'batchite-bench-'));
  const server = await startServer({ port: 0, dataDir, logLevel: false });
  let figures;
  try {
    const client = new BatchClient({
      endpoint: server.url,
      accountName: ACCOUNT.name,
      accountKey: ACCOUNT.key,
    });
    await setUp(client, parents, dependants);
    const paths = [
      '/.batchite/jobs/deps/tasks/wide-0/why',
      '/.batchite/jobs/deps/tasks/listed/why',
      '/.batchite/jobs/deps/why',
      '/ui/api/jobs/deps',
      '/ui/api/jobs/deps/tasks?state=active&limit=100&after=9',
      '/ui/api/jobs/deps/tasks/wide-0',
    ];
    const ms = (ns) => ns / 1e6;
    const quiet = monitorEventLoopDelay({ resolution: 10 });
    quiet.enable();
    const quietLatencies = await light(server.url, performance.now() + seconds * 1000);
    quiet.disable();
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const deadline = performance.now() + seconds * 1000;
    const [statuses, latencies] = await Promise.all([
      drive(server.url, paths, deadline),
      light(server.url, deadline),
    ]);
    histogram.disable();
    figures = {
      quiet: { p99: ms(quiet.percentile(99)), max: ms(quiet.max), lightP50: percentile(quietLatencies, 50) },
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      light: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) },
      statuses,
    };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  for (const [what, count] of figures.statuses) console.log(`  ${what}: ${count} calls`);
  const size = args.full ? 'full' : 'small';
  await record({
    key: `12.6 ${size}`,
    name: `Event-loop delay while why/dashboard evaluate 0..2^31-1 ranges (${fmt(parents)} parents, ${dependants} dependants, heavy calls one at a time, ${seconds} s)`,
    command: `node bench/event-loop.mjs${args.full ? ' --full' : ''}`,
    figure: `loop delay p50 ${fmt(figures.p50, 1)} ms, p99 ${fmt(figures.p99, 1)} ms, max ${fmt(figures.max, 1)} ms`,
    lines: [
      `light signed GET job meanwhile: p50 ${fmt(figures.light.p50, 1)} ms, p99 ${fmt(figures.light.p99, 1)} ms, max ${fmt(figures.light.max, 1)} ms`,
    ],
    baseline: `light calls alone: loop delay p99 ${fmt(figures.quiet.p99, 1)} ms, max ${fmt(figures.quiet.max, 1)} ms; GET job p50 ${fmt(figures.quiet.lightP50, 1)} ms`,
    ratio: `max ${ratio(figures.max, figures.quiet.max, 1)}`,
    target: `max < ${TARGET_MS} ms`,
    met: figures.max < TARGET_MS,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
