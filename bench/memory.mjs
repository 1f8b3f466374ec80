/**
 * Item 7 of issue 8: memory.
 *
 * Server: RSS of `batchite serve` holding N stored tasks, added through the API (`createTasks` into a disabled
 * job) in steps; RSS is read from /proc after each step. Baseline in the same run: the same server's RSS before
 * the first task. Full size N = 1,000,000; the small size stores 100,000 and extrapolates linearly from the
 * per-task growth of its steps (and says so).
 *
 * Agent: RSS of a `batchite agent` process (started by this script, 100 slots, against a server started with
 * `--no-local-nodes`) while it runs 100 tasks `/bin/sh -c "sleep S"` at once; sampled every 100 ms, peak
 * reported. Baseline: the same agent's RSS while idle before the tasks.
 *
 *   node bench/memory.mjs [--full] [--tasks N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disabledJob, ingest } from './ingest.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { memoryOf, startAgent, startServer, waitForCompleted } from './lib/server.mjs';
import { sleep } from './lib/stats.mjs';

const MB = 1024 * 1024;
const FULL_TASKS = 1_000_000;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

function slope(points) {
  const mx = points.reduce((sum, p) => sum + p.tasks, 0) / points.length;
  const my = points.reduce((sum, p) => sum + p.rss, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.tasks - mx) * (p.rss - my);
    den += (p.tasks - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function serverMemory(n, steps) {
  const server = await startServer({ nodes: 1, slots: 2 });
  try {
    await disabledJob(server, 'memory');
    await sleep(1000);
    const empty = await memoryOf(server.pid);
    const points = [{ tasks: 0, rss: empty.rss }];
    const step = n / steps;
    let ms = 0;
    for (let i = 0; i < steps; i++) {
      ms += await ingest(server, 'memory', step, i * step);
      const { rss } = await memoryOf(server.pid);
      points.push({ tasks: (i + 1) * step, rss });
      console.log(`  server: ${fmt((i + 1) * step)} tasks stored, RSS ${fmt(rss / MB)} MB`);
    }
    const { peak } = await memoryOf(server.pid);
    // Growth per task: least-squares slope over the second half of the steps (start-up allocations and the
    // store's caches have settled by then); 0 when RSS no longer grows.
    const last = points[points.length - 1];
    const perTask = Math.max(0, slope(points.slice(Math.floor(steps / 2))));
    return { empty: empty.rss, last: last.rss, peak, perTask, ms };
  } finally {
    await server.stop();
  }
}

async function agentMemory(tasks, seconds) {
  const server = await startServer({ localNodes: false });
  const rootDir = await mkdtemp(join(tmpdir(), 'batchite-bench-agent-'));
  const client = server.client();
  await client.createPool({
    id: 'mem',
    vmSize: 'standard_d2s_v3',
    taskSlotsPerNode: tasks,
    targetDedicatedNodes: 0,
  });
  const agent = await startAgent({ url: server.url, poolId: 'mem', slots: tasks, rootDir });
  try {
    await sleep(2000);
    const idle = await memoryOf(agent.pid);
    await client.createJob({ id: 'agent-memory', poolInfo: { poolId: 'mem' } });
    const list = Array.from({ length: tasks }, (_, i) => ({
      id: `s${i}`,
      commandLine: `/bin/sh -c "sleep ${seconds}"`,
    }));
    await client.createTasks('agent-memory', list);
    let peak = idle.rss;
    let maxRunning = 0;
    const done = waitForCompleted(client, 'agent-memory', tasks, { everyMs: 500 });
    let finished = false;
    void done.then(() => (finished = true));
    let polls = 0;
    while (!finished) {
      peak = Math.max(peak, (await memoryOf(agent.pid)).rss);
      if (polls++ % 10 === 0)
        maxRunning = Math.max(maxRunning, (await client.getJobTaskCounts('agent-memory')).taskCounts.running);
      await sleep(100);
    }
    await done;
    return { idle: idle.rss, peak, maxRunning };
  } finally {
    await agent.stop();
    await server.stop();
    await rm(rootDir, { recursive: true, force: true });
  }
}

async function main() {
  const args = benchArgs();
  const n = Number(option('--tasks', sized(args, 100_000, FULL_TASKS)));
  console.log(`# item 7: memory (server with ${fmt(n)} stored tasks, agent running 100 tasks)`);
  const server = await serverMemory(n, 10);
  const extrapolated = server.last + server.perTask * (FULL_TASKS - n);
  const agent = await agentMemory(100, 5);
  console.log(
    `  agent: idle ${fmt(agent.idle / MB)} MB, peak ${fmt(agent.peak / MB)} MB running ${agent.maxRunning} tasks at once`,
  );
  const command = `node bench/memory.mjs${args.full ? ' --full' : ''}`;
  const size = args.full ? 'full' : 'small';
  const measured = n >= FULL_TASKS;
  await record({
    key: `7 ${size} server`,
    name: `Server RSS with ${fmt(FULL_TASKS)} stored tasks${measured ? '' : ` (measured to ${fmt(n)}, extrapolated)`}`,
    command,
    figure: measured
      ? `${fmt(server.last / MB)} MB (peak ${fmt(server.peak / MB)} MB)`
      : `≈ ${fmt(extrapolated / MB)} MB extrapolated; ${fmt(server.last / MB)} MB at ${fmt(n)} tasks (peak ${fmt(server.peak / MB)} MB), ${fmt(server.perTask)} B per task`,
    baseline: `same server empty: ${fmt(server.empty / MB)} MB`,
    ratio: ratio(measured ? server.last : extrapolated, server.empty),
    target: 'reported (no target in issue 8)',
    met: 'n/a',
  });
  await record({
    key: `7 ${size} agent`,
    name: 'Agent RSS while running 100 tasks at once',
    command,
    figure: `peak ${fmt(agent.peak / MB)} MB (${agent.maxRunning} running at the sample)`,
    baseline: `same agent idle: ${fmt(agent.idle / MB)} MB`,
    ratio: ratio(agent.peak, agent.idle),
    target: 'reported (no target in issue 8)',
    met: 'n/a',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
