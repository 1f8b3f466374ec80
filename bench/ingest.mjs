/**
 * Item 4 of issue 8: ingest. `createTasks` of N trivial tasks (100 per add-task-collection call, the client's
 * default 4 calls in flight) into a disabled job, so nothing runs: tasks stored per second, from the call to its
 * last outcome. Baselines in the same run, with the same shape (chunks of 100, 4 in flight): BullMQ `addBulk`
 * and graphile-worker `addJobs`. Each system first ingests WARM_UP items that are not timed (JIT, connections).
 *
 *   node bench/ingest.mjs [--full] [--tasks N]
 */
import { performance } from 'node:perf_hooks';
import { REDIS, withGraphile } from './lib/peers.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { memoryOf, startServer } from './lib/server.mjs';
import { TRIVIAL_COMMAND_LINE } from './lib/stats.mjs';

const CHUNK = 100;
const IN_FLIGHT = 4;
const WARM_UP = 2000;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** Runs `send(first, count)` over [0, n) in chunks of CHUNK, IN_FLIGHT at once. */
async function chunked(n, send) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const first = next;
      next += CHUNK;
      await send(first, Math.min(CHUNK, n - first));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** Adds `n` tasks to a disabled job of a running server; returns the elapsed ms. */
export async function ingest(server, jobId, n, offset = 0) {
  const client = server.client();
  const tasks = Array.from({ length: n }, (_, i) => ({
    id: `t${offset + i}`,
    commandLine: TRIVIAL_COMMAND_LINE,
  }));
  const started = performance.now();
  const outcomes = await client.createTasks(jobId, tasks, { concurrency: IN_FLIGHT });
  const ms = performance.now() - started;
  const failed = outcomes.filter((outcome) => outcome.status !== 'created');
  if (failed.length > 0) throw new Error(`${failed.length} tasks not created: ${failed[0].error?.message}`);
  return ms;
}

/** Creates job `jobId` on pool `local` and disables it, so added tasks stay active. */
export async function disabledJob(server, jobId) {
  const client = server.client();
  await client.createJob({ id: jobId, poolInfo: { poolId: 'local' } });
  await client.disableJob(jobId, 'requeue');
}

async function batchiteIngest(n) {
  const server = await startServer({ nodes: 1, slots: 2 });
  try {
    await disabledJob(server, 'warm-up');
    await ingest(server, 'warm-up', WARM_UP);
    await disabledJob(server, 'ingest');
    const ms = await ingest(server, 'ingest', n);
    const { taskCounts } = await server.client().getJobTaskCounts('ingest');
    if (taskCounts.active !== n) throw new Error(`expected ${n} active tasks: ${JSON.stringify(taskCounts)}`);
    const memory = await memoryOf(server.pid);
    return { ms, rate: (n / ms) * 1000, rss: memory.rss };
  } finally {
    await server.stop();
  }
}

async function bullmqIngest(n) {
  const { Queue } = await import('bullmq');
  const queue = new Queue(`batchite-ingest-${process.pid}-${Date.now()}`, { connection: REDIS });
  await queue.pause();
  const add = (count) =>
    chunked(count, (first, size) =>
      queue.addBulk(Array.from({ length: size }, (_, i) => ({ name: 'sh', data: { i: first + i } }))),
    );
  await add(WARM_UP);
  const started = performance.now();
  await add(n);
  const ms = performance.now() - started;
  const counts = await queue.getJobCounts('paused', 'wait');
  await queue.obliterate({ force: true });
  await queue.close();
  const held = (counts.paused ?? 0) + (counts.wait ?? 0);
  if (held !== WARM_UP + n) throw new Error(`BullMQ holds ${JSON.stringify(counts)}`);
  return { ms, rate: (n / ms) * 1000 };
}

function graphileIngest(n) {
  return withGraphile(async ({ utils }) => {
    const add = (count) =>
      chunked(count, (first, size) =>
        utils.addJobs(
          Array.from({ length: size }, (_, i) => ({ identifier: 'sh', payload: { i: first + i } })),
        ),
      );
    await add(WARM_UP);
    const started = performance.now();
    await add(n);
    const ms = performance.now() - started;
    return { ms, rate: (n / ms) * 1000 };
  });
}

async function main() {
  const args = benchArgs();
  const n = Number(option('--tasks', sized(args, 20_000, 100_000)));
  console.log(`# item 4: ingest of ${fmt(n)} tasks, ${CHUNK} per call, ${IN_FLIGHT} calls in flight`);
  const batchite = await batchiteIngest(n);
  console.log(`  batchite createTasks: ${fmt(batchite.rate)} tasks/s (${fmt(batchite.ms)} ms)`);
  const bull = await bullmqIngest(n);
  console.log(`  BullMQ addBulk: ${fmt(bull.rate)} jobs/s (${fmt(bull.ms)} ms)`);
  const graphile = await graphileIngest(n);
  console.log(`  graphile-worker addJobs: ${fmt(graphile.rate)} jobs/s (${fmt(graphile.ms)} ms)`);
  await record({
    key: `4 ${args.full ? 'full' : 'small'}`,
    name: `Ingest, createTasks of ${fmt(n)} tasks into a disabled job`,
    command: `node bench/ingest.mjs${args.full ? ' --full' : ''}`,
    figure: `${fmt(batchite.rate)} tasks/s`,
    baseline: `BullMQ addBulk: ${fmt(bull.rate)} jobs/s; graphile-worker addJobs: ${fmt(graphile.rate)} jobs/s (same chunks, same concurrency)`,
    ratio: `${ratio(batchite.rate, bull.rate)} BullMQ, ${ratio(batchite.rate, graphile.rate)} graphile-worker`,
    target: '≥ 20,000 tasks/s',
    met: batchite.rate >= 20_000,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
