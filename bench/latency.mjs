/**
 * Item 3 of issue 8: add→start latency on an idle pool (1 node × 2 slots), over N single-task adds made one
 * after another (each waits for the previous task to complete, so every add meets an idle pool).
 *
 * Definition: from the moment `createTask` is called to the moment the task's process itself wrote a timestamp
 * (`commandLine: date +%s%N`, run without a shell, read back from stdout.txt). This includes the add request,
 * the claim, the agent's preparation of the task directory and the spawn. Also printed, to split the time: when
 * the add call returned, and `executionInfo.startTime`, which is the agent's clock when it called spawn (the
 * agent reports it with the result; millisecond resolution).
 * Baselines in the same run: Node spawning the same command directly (the floor), and the add→process-start
 * latency of BullMQ and graphile-worker with an idle worker spawning the same command.
 *
 *   node bench/latency.mjs [--full] [--adds N]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { REDIS, withGraphile } from './lib/peers.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { startServer } from './lib/server.mjs';
import { percentile, sleep } from './lib/stats.mjs';

const STAMP_ARGV = ['date', '+%s%N'];
const nowMs = () => performance.timeOrigin + performance.now();

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** Spawns `date +%s%N` and resolves with the timestamp it printed, in epoch milliseconds. */
function stampProcess() {
  return new Promise((resolve, reject) => {
    const child = spawn(STAMP_ARGV[0], STAMP_ARGV.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('close', () => resolve(Number(BigInt(out.trim()) / 1000n) / 1000));
  });
}

async function nodeLatencies(n) {
  const values = [];
  for (let i = 0; i < n; i++) {
    const started = nowMs();
    values.push((await stampProcess()) - started);
  }
  return values;
}

async function waitCompleted(client, jobId, taskId) {
  for (;;) {
    const task = await client.getTask(jobId, taskId, { select: 'state,executionInfo' });
    if (task.state === 'completed') return task;
    await sleep(5);
  }
}

async function batchiteLatencies(n) {
  const server = await startServer({ nodes: 1, slots: 2 });
  try {
    const client = server.client();
    await client.createJob({ id: 'latency', poolInfo: { poolId: 'local' } });
    // Warm-up: the first task also pays for the node's first claim.
    await client.createTask('latency', { id: 'warmup', commandLine: STAMP_ARGV.join(' ') });
    await waitCompleted(client, 'latency', 'warmup');
    const toProcess = [];
    const toStartTime = [];
    const toAdded = [];
    for (let i = 0; i < n; i++) {
      const id = `t${i}`;
      const started = nowMs();
      await client.createTask('latency', { id, commandLine: STAMP_ARGV.join(' ') });
      toAdded.push(nowMs() - started);
      const task = await waitCompleted(client, 'latency', id);
      if (task.executionInfo?.exitCode !== 0)
        throw new Error(`task ${id}: ${JSON.stringify(task.executionInfo)}`);
      const file = await client.getTaskFile('latency', id, 'stdout.txt');
      const stamp = Number(BigInt(new TextDecoder().decode(file.content).trim()) / 1000n) / 1000;
      toProcess.push(stamp - started);
      toStartTime.push(Date.parse(task.executionInfo.startTime) - started);
    }
    return { toProcess, toStartTime, toAdded };
  } finally {
    await server.stop();
  }
}

async function bullmqLatencies(n) {
  const { Queue, QueueEvents, Worker } = await import('bullmq');
  const name = `batchite-latency-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection: REDIS });
  const events = new QueueEvents(name, { connection: REDIS });
  const worker = new Worker(name, () => stampProcess(), { connection: REDIS, concurrency: 2 });
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  const values = [];
  try {
    for (let i = 0; i < n + 1; i++) {
      const started = nowMs();
      const job = await queue.add('stamp', { i });
      const stamp = await job.waitUntilFinished(events);
      if (i > 0) values.push(stamp - started); // the first is a warm-up
    }
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
  return values;
}

function graphileLatencies(n) {
  return withGraphile(async ({ pgPool, logger, utils }) => {
    const { run } = await import('graphile-worker');
    const waiters = new Map();
    const runner = await run({
      pgPool,
      concurrency: 2,
      noHandleSignals: true,
      logger,
      taskList: {
        stamp: async (payload) => waiters.get(payload.i)?.(await stampProcess()),
      },
    });
    const values = [];
    try {
      for (let i = 0; i < n + 1; i++) {
        const done = new Promise((resolve) => waiters.set(i, resolve));
        const started = nowMs();
        await utils.addJob('stamp', { i });
        const stamp = await done;
        if (i > 0) values.push(stamp - started); // the first is a warm-up
      }
    } finally {
      await runner.stop();
    }
    return values;
  });
}

const summary = (values) =>
  `p50 ${fmt(percentile(values, 50), 1)} ms, p99 ${fmt(percentile(values, 99), 1)} ms`;

async function main() {
  const args = benchArgs();
  const n = Number(option('--adds', sized(args, 200, 1000)));
  const command = `node bench/latency.mjs${args.full ? ' --full' : ''}`;
  console.log(`# item 3: add→start latency, ${fmt(n)} single-task adds on an idle pool`);
  const node = await nodeLatencies(n);
  console.log(`  node spawn → process stamp: ${summary(node)}`);
  const batchite = await batchiteLatencies(n);
  console.log(`  batchite add → process stamp: ${summary(batchite.toProcess)}`);
  console.log(`  batchite add → executionInfo.startTime: ${summary(batchite.toStartTime)}`);
  console.log(`  batchite add call returned: ${summary(batchite.toAdded)}`);
  const bull = await bullmqLatencies(n);
  console.log(`  BullMQ add → process stamp: ${summary(bull)}`);
  const graphile = await graphileLatencies(n);
  console.log(`  graphile-worker add → process stamp: ${summary(graphile)}`);
  const p50 = percentile(batchite.toProcess, 50);
  await record({
    key: `3 ${args.full ? 'full' : 'small'}`,
    name: `Add→start latency, ${fmt(n)} single adds, idle pool 1 × 2 (to the process's own timestamp)`,
    command,
    figure: `${summary(batchite.toProcess)} (to executionInfo.startTime: ${summary(batchite.toStartTime)})`,
    baseline: `Node spawn alone: ${summary(node)}; BullMQ: ${summary(bull)}; graphile-worker: ${summary(graphile)}`,
    ratio: `p50 ${ratio(p50, percentile(bull, 50))} BullMQ, ${ratio(p50, percentile(graphile, 50))} graphile-worker`,
    target: 'p50 ≤ 20 ms',
    met: p50 <= 20,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
