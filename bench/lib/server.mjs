/**
 * `batchite serve` (and `batchite agent`) as separate processes, started the way users start them, plus what
 * the benchmarks read from a running process: its RSS and its children.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchClient } from '@batchite/client';
import { authorizationHeader } from '@batchite/protocol';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'packages/cli/dist/src/bin.js');
/** The well-known development account (packages/protocol/src/well-known-account.ts). */
export const ACCOUNT = Object.freeze({
  name: 'batchite',
  key: 'Y1dLo/hJxuVMb17X4ToLH2WtcDkvrJZ32NJexlLWhDvgq8iQHk+UCXtsKQQi/7TwdQSp+v9QRJTzehHb2qXnCw==',
});

const START_TIMEOUT_MS = 30_000;

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

/** Resolves with the first capture group of `pattern` in the child's stdout. */
function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${what}: no output in time: ${output}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      if (output === null) return;
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        output = null;
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited early (${code}): ${output}`));
    });
  });
}

/** Stops a child with SIGTERM (SIGKILL after 10 s) and waits for it. */
async function stopChild(child) {
  const gone = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/**
 * Starts `node packages/cli/dist/src/bin.js serve --port 0 --data DIR --log-level silent …`.
 * @param {{ nodes?: number, slots?: number, localNodes?: boolean, rateLimit?: number, faults?: object,
 *   nodeArgs?: string[], cwd?: string, storage?: string }} options
 */
export async function startServer(options = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'batchite-bench-'));
  const args = [...(options.nodeArgs ?? []), BIN, 'serve', '--port', '0', '--data', dataDir];
  args.push('--log-level', 'silent');
  if (options.localNodes === false) args.push('--no-local-nodes');
  else args.push('--nodes', String(options.nodes ?? 1), '--slots', String(options.slots ?? 2));
  if (options.rateLimit !== undefined) args.push('--rate-limit', String(options.rateLimit));
  if (options.storage !== undefined) args.push('--storage', options.storage);
  if (options.faults !== undefined) {
    const file = join(dataDir, 'faults.json');
    await writeFile(file, JSON.stringify(options.faults));
    args.push('--faults', file);
  }
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: options.cwd ?? dataDir,
  });
  let url;
  try {
    url = await waitForLine(child, /endpoint:\s+(\S+)/, 'batchite serve');
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    dataDir,
    pid: child.pid,
    client: (clientOptions = {}) => newClient(url, clientOptions),
    async stop() {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `batchite agent --server URL --pool ID` as its own process (profiling the agent needs it to be ours).
 * @param {{ url: string, poolId: string, slots?: number, nodeArgs?: string[], rootDir: string }} options
 */
export async function startAgent(options) {
  const args = [...(options.nodeArgs ?? []), BIN, 'agent', '--server', options.url, '--pool', options.poolId];
  args.push('--root', options.rootDir, '--join-token-file', '-');
  if (options.slots !== undefined) args.push('--slots', String(options.slots));
  const token = await joinToken(options.url, options.poolId);
  // The agent gets its pool's join token on stdin, never the account key (docs/node-api.md).
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'inherit'], cwd: options.rootDir });
  child.stdin.end(`${token}\n`);
  return { pid: child.pid, stop: () => stopChild(child) };
}

/** The join token of `poolId`, fetched with Shared Key as an operator does (`batchite pool join-token`). */
export async function joinToken(url, poolId, account = ACCOUNT) {
  const path = `/.batchite/pools/${encodeURIComponent(poolId)}/join-token`;
  const headers = { 'ocp-date': new Date().toUTCString() };
  headers.authorization = authorizationHeader(
    { method: 'GET', pathAndQuery: path, headers, accountName: account.name },
    account.key,
  );
  const response = await fetch(`${url}${path}`, { headers });
  if (!response.ok) throw new Error(`join-token: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).joinToken;
}

/** A `BatchClient` for the well-known account. */
export function newClient(endpoint, options = {}) {
  return new BatchClient({ endpoint, accountName: ACCOUNT.name, accountKey: ACCOUNT.key, ...options });
}

/** Resident set size and its peak of a process, in bytes (Linux /proc). */
export async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * CPU time of a process in ms (Linux /proc): `self` (user + system) and `children` (of its descendants that
 * were waited for). Clock ticks are 10 ms.
 */
export async function cpuOf(pid = 'self') {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  const ticks = (i) => Number(fields[i]) * 10;
  return { self: ticks(11) + ticks(12), children: ticks(13) + ticks(14) };
}

/** Direct children of a process (Linux /proc). */
export async function childrenOf(pid) {
  const tasks = await readdir(`/proc/${pid}/task`);
  const children = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(/\s+/).filter(Boolean).map(Number));
  }
  return children;
}

/** Resolves once pool `poolId` has `count` idle nodes (local agents register a moment after the server starts). */
export async function waitForIdleNodes(client, poolId, count, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let idle = 0;
    for await (const node of client.listNodes(poolId)) if (node.state === 'idle') idle += 1;
    if (idle >= count) return;
    if (Date.now() > deadline)
      throw new Error(`pool ${poolId}: ${idle} of ${count} nodes idle after timeout`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves when `getJobTaskCounts` shows `total` completed tasks; polls every `everyMs`. */
export async function waitForCompleted(client, jobId, total, { everyMs = 200, timeoutMs = 3_600_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { taskCounts } = await client.getJobTaskCounts(jobId);
    if (taskCounts.completed >= total) return taskCounts;
    if (Date.now() > deadline) throw new Error(`job ${jobId}: ${JSON.stringify(taskCounts)} after timeout`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Latest `executionInfo.endTime` and earliest `startTime` over a job's tasks (epoch ms). */
export async function taskTimes(client, jobId) {
  let firstStart = Infinity;
  let lastEnd = -Infinity;
  let failed = 0;
  for await (const task of client.listTasks(jobId, { select: 'id,executionInfo' })) {
    const info = task.executionInfo ?? {};
    if (info.startTime) firstStart = Math.min(firstStart, Date.parse(info.startTime));
    if (info.endTime) lastEnd = Math.max(lastEnd, Date.parse(info.endTime));
    if (info.result === 'failure') failed += 1;
  }
  return { firstStart, lastEnd, failed };
}
