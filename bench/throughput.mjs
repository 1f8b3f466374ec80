/**
 * Items 1 and 2 of issue 8: N trivial tasks (`/bin/sh -c "exit 0"`) end to end on `batchite serve --nodes 1
 * --slots S`, added with `BatchClient.createTasks` and timed from the first add to the last task's
 * `executionInfo.endTime`; against `xargs -P S` (the machine's spawn limit, run before and after Batchite, the
 * mean of both is the baseline), Node's own spawn loop, BullMQ and graphile-worker, all with S at once.
 *
 *   node bench/throughput.mjs [--full] [--slots S] [--only batchite,xargs,node,bullmq,graphile]
 */
import { performance } from 'node:perf_hooks';
import { bullmqRun, graphileRun, nodeSpawnRun, xargsRun } from './lib/peers.mjs';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import {
  childrenOf,
  cpuOf,
  startServer,
  taskTimes,
  waitForCompleted,
  waitForIdleNodes,
} from './lib/server.mjs';
import { TRIVIAL_COMMAND_LINE } from './lib/stats.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** Batchite end to end: add N tasks to a job on pool `local`, wait until all are completed. */
export async function batchiteRun(n, slots, serverOptions = {}) {
  const server = await startServer({ nodes: 1, slots, ...serverOptions });
  try {
    const client = server.client();
    const jobId = 'throughput';
    await waitForIdleNodes(client, 'local', 1);
    await client.createJob({ id: jobId, poolInfo: { poolId: 'local' } });
    const agents = await childrenOf(server.pid);
    const cpu = async () => {
      const serverCpu = await cpuOf(server.pid);
      const agentCpu = await Promise.all(agents.map((pid) => cpuOf(pid)));
      const sum = (key) => agentCpu.reduce((total, c) => total + c[key], 0);
      const own = process.cpuUsage();
      return {
        server: serverCpu.self,
        agent: sum('self'),
        tasks: sum('children'),
        client: (own.user + own.system) / 1000,
      };
    };
    const before = await cpu();
    const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, commandLine: TRIVIAL_COMMAND_LINE }));
    const startedAt = Date.now();
    const started = performance.now();
    const outcomes = await client.createTasks(jobId, tasks);
    const addMs = performance.now() - started;
    const failedAdds = outcomes.filter((outcome) => outcome.status === 'failed').length;
    if (failedAdds > 0) throw new Error(`${failedAdds} tasks were not added`);
    await waitForCompleted(client, jobId, n);
    const after = await cpu();
    const times = await taskTimes(client, jobId);
    if (times.failed > 0) throw new Error(`${times.failed} tasks failed`);
    const ms = times.lastEnd - startedAt;
    const cpuPerTask = Object.fromEntries(
      Object.keys(after).map((key) => [key, (after[key] - before[key]) / n]),
    );
    return { ms, addMs, rate: (n / ms) * 1000, firstStartMs: times.firstStart - startedAt, cpuPerTask };
  } finally {
    await server.stop();
  }
}

const line = (name, result) =>
  `${name.padEnd(16)} ${fmt(result.rate, 1).padStart(7)} tasks/s  (${fmt(result.ms)} ms` +
  `${result.addMs === undefined ? '' : `, adds took ${fmt(result.addMs)} ms`})`;

async function main() {
  const args = benchArgs();
  const n = Number(option('--tasks', sized(args, 1000, 10_000)));
  const slots = Number(option('--slots', 2));
  const only = new Set(option('--only', 'xargs,node,batchite,bullmq,graphile').split(','));
  const command = `node bench/throughput.mjs${args.full ? ' --full' : ''}`;
  console.log(`# items 1–2: ${fmt(n)} × ${TRIVIAL_COMMAND_LINE}, ${slots} at once`);
  const results = {};
  const lines = [];
  const measure = async (key, name, fn) => {
    if (!only.has(key)) return undefined;
    const result = await fn();
    lines.push(line(name, result));
    console.log(`  ${line(name, result)}`);
    return result;
  };
  const xargsBefore = await measure('xargs', `xargs -P ${slots}`, () => xargsRun(n, slots));
  results.node = await measure('node', `node spawn ×${slots}`, () => nodeSpawnRun(n, slots));
  results.batchite = await measure('batchite', `batchite 1×${slots}`, () => batchiteRun(n, slots));
  const xargsAfter = await measure('xargs', `xargs -P ${slots}`, () => xargsRun(n, slots));
  results.bullmq = await measure('bullmq', `BullMQ c=${slots}`, () => bullmqRun(n, slots));
  results.graphile = await measure('graphile', `graphile c=${slots}`, () => graphileRun(n, slots));
  if (!results.batchite) return;
  const b = results.batchite;
  const size = args.full ? 'full' : 'small';
  if (xargsBefore && xargsAfter) {
    const xargsRate = (xargsBefore.rate + xargsAfter.rate) / 2;
    const xargsCpu = (xargsBefore.cpuPerTask + xargsAfter.cpuPerTask) / 2;
    const batchiteCpu = Object.values(b.cpuPerTask).reduce((sum, v) => sum + v, 0);
    const cpuSplit = Object.entries(b.cpuPerTask)
      .map(([key, v]) => `${key} ${fmt(v, 1)}`)
      .join(' + ');
    await record({
      key: `1 ${size}`,
      name: `End to end, ${fmt(n)} trivial tasks, 1 node × ${slots} slots`,
      command,
      figure: `${fmt(b.rate, 1)} tasks/s`,
      baseline: `xargs -P ${slots}: ${fmt(xargsRate, 1)} tasks/s (mean of before/after: ${fmt(xargsBefore.rate, 1)}, ${fmt(xargsAfter.rate, 1)}); Node spawn loop: ${results.node ? fmt(results.node.rate, 1) : 'n/a'} tasks/s. CPU per task: xargs ${fmt(xargsCpu, 1)} ms, batchite ${fmt(batchiteCpu, 1)} ms (${cpuSplit})`,
      ratio: ratio(b.rate, xargsRate),
      target: '≥ 0.5× xargs',
      met: b.rate / xargsRate >= 0.5,
      lines: [
        `batchite: adds ${fmt(b.addMs)} ms, first task started ${fmt(b.firstStartMs)} ms after the first add`,
        `CPU per task: xargs ${fmt(xargsCpu, 1)} ms (xargs and the tasks); batchite ${fmt(batchiteCpu, 1)} ms = ${cpuSplit}`,
        ...(results.node ? [`batchite / node spawn loop = ${ratio(b.rate, results.node.rate)}`] : []),
      ],
    });
  }
  for (const [key, name] of [
    ['bullmq', 'BullMQ'],
    ['graphile', 'graphile-worker'],
  ]) {
    const peer = results[key];
    if (!peer) continue;
    await record({
      key: `2 ${size} ${key}`,
      name: `Peer ${name}, same ${fmt(n)} tasks, concurrency ${slots}`,
      command,
      figure: `${fmt(b.rate, 1)} tasks/s`,
      baseline: `${name}: ${fmt(peer.rate, 1)} tasks/s (adds ${fmt(peer.addMs)} ms)`,
      ratio: ratio(b.rate, peer.rate),
      target: 'reported (no target in issue 8)',
      met: 'n/a',
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
