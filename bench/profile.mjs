/**
 * Profiles the end-to-end workload of item 1: `batchite serve --no-local-nodes` and one `batchite agent`
 * (2 slots, pool created through the API), both under `node --cpu-prof`, run N trivial tasks; then prints each
 * process's top frames by self time, and by inclusive time for frames of Batchite's own code.
 * Profiles are kept in the printed directory (open them in Chrome DevTools → Performance).
 *
 *   node bench/profile.mjs [--tasks N] [--slots S] [--ingest]   (--ingest: add to a disabled job, nothing runs)
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt } from './lib/report.mjs';
import { ROOT, startAgent, startServer, waitForCompleted } from './lib/server.mjs';
import { TRIVIAL_COMMAND_LINE, sleep } from './lib/stats.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

/** Self and inclusive time per frame (function + location) of a .cpuprofile. */
export function profileTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${relative(ROOT, url.replace('file://', ''))}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'} ${where}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    total += us;
    const node = byId.get(id);
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at));
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  return { self, inclusive, total };
}

function top(map, total, count, filter = () => true) {
  return [...map.entries()]
    .filter(([name]) => filter(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
}

async function report(dir, what) {
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const { self, inclusive, total } = profileTimes(JSON.parse(await readFile(join(dir, file), 'utf8')));
    console.log(`\n## ${what} (${file}), ${fmt(total / 1000)} ms sampled`);
    console.log('self time:');
    for (const line of top(self, total, 25)) console.log(`  ${line}`);
    console.log('inclusive, Batchite code:');
    for (const line of top(inclusive, total, 25, (n) => n.includes('packages/'))) console.log(`  ${line}`);
  }
}

async function main() {
  const n = Number(option('--tasks', 2000));
  const slots = Number(option('--slots', 2));
  const ingestOnly = process.argv.includes('--ingest');
  const serverDir = await mkdtemp(join(tmpdir(), 'batchite-prof-server-'));
  const agentDir = await mkdtemp(join(tmpdir(), 'batchite-prof-agent-'));
  const server = await startServer({
    localNodes: false,
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${serverDir}`],
  });
  const client = server.client();
  await client.createPool({
    id: 'prof',
    vmSize: 'standard_d2s_v3',
    taskSlotsPerNode: slots,
    targetDedicatedNodes: 0,
  });
  const agent = ingestOnly
    ? undefined
    : await startAgent({
        url: server.url,
        poolId: 'prof',
        slots,
        rootDir: agentDir,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${agentDir}`],
      });
  await sleep(1500);
  await client.createJob({ id: 'prof', poolInfo: { poolId: 'prof' } });
  if (ingestOnly) await client.disableJob('prof', 'requeue');
  const tasks = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, commandLine: TRIVIAL_COMMAND_LINE }));
  const started = performance.now();
  await client.createTasks('prof', tasks);
  if (!ingestOnly) await waitForCompleted(client, 'prof', n);
  const ms = performance.now() - started;
  console.log(
    `${fmt(n)} tasks ${ingestOnly ? 'added' : 'run'} in ${fmt(ms)} ms: ${fmt((n / ms) * 1000, 1)} tasks/s`,
  );
  await agent?.stop();
  await server.stop();
  await report(serverDir, 'server');
  if (agent) await report(agentDir, 'agent');
  console.log(`\nprofiles: ${serverDir} ${ingestOnly ? '' : agentDir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
