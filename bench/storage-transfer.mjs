/**
 * Issue 15's benchmark row: N tasks (small 100, full 1,000) on `batchite serve --nodes 1 --slots S` linked to
 * Azurite, each downloading its own 1 MB resource file (`autoStorageContainerName`, one blob each) and writing a
 * 1 MB output uploaded as an output file, timed from the first add to the last completion and split per task from
 * its timings: download = claim → command start (`previousStateTransitionTime` → `executionInfo.startTime`),
 * run = `startTime` → `endTime`, upload = `endTime` → completion (`stateTransitionTime`). While the server refuses
 * `outputFiles` the tasks only download and the row says so. Baseline in the same run: the same N downloads and
 * N uploads of 1 MB by `@azure/storage-blob` alone, S at a time, in its own fresh process.
 *
 *   node bench/storage-transfer.mjs [--full] [--slots S]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient, ContainerSASPermissions } from '@azure/storage-blob';
import { benchArgs, fmt, ratio, record, sized } from './lib/report.mjs';
import { ROOT, startServer, waitForCompleted, waitForIdleNodes } from './lib/server.mjs';
import { mean } from './lib/stats.mjs';

const MB = 1024 * 1024;

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : process.argv[index + 1];
}

const blobName = (prefix, i) => `${prefix}-${String(i).padStart(5, '0')}.bin`;

/** Runs `work(i)` for i in 0..n-1, `slots` at a time. */
async function pool(n, slots, work) {
  let next = 0;
  const loop = async () => {
    while (next < n) await work(next++);
  };
  await Promise.all(Array.from({ length: slots }, loop));
}

/** The peer, in its own process: N downloads to files, then N uploads of 1 MB files, S at a time. */
async function sdkPeer(connectionString, n, slots) {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const inputs = service.getContainerClient('inputs');
  const outputs = service.getContainerClient('peer-outputs');
  await outputs.createIfNotExists();
  const dir = await mkdtemp(join(tmpdir(), 'batchite-bench-sdk-'));
  try {
    let started = performance.now();
    await pool(n, slots, (i) =>
      inputs.getBlobClient(blobName('in', i)).downloadToFile(join(dir, blobName('in', i))),
    );
    const downloadMs = performance.now() - started;
    await pool(n, slots, (i) => writeFile(join(dir, blobName('out', i)), randomBytes(MB)));
    started = performance.now();
    await pool(n, slots, (i) =>
      outputs.getBlockBlobClient(blobName('out', i)).uploadFile(join(dir, blobName('out', i))),
    );
    const uploadMs = performance.now() - started;
    return { downloadMs, uploadMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts Azurite (the CLI's `--with-azurite` code) with its data in a fresh directory. */
async function startAzurite() {
  const { startAzuriteProcess } = await import(join(ROOT, 'packages/cli/dist/src/azurite-process.js'));
  const dataDir = await mkdtemp(join(tmpdir(), 'batchite-bench-azurite-'));
  const azurite = await startAzuriteProcess({ host: '127.0.0.1', port: 0, dataDir });
  return {
    ...azurite,
    async stop() {
      await azurite.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The task body for input `i`: the resource file in, and the output file out when the server takes them. */
function taskOf(i, outputsUrl) {
  const task = {
    id: `t${i}`,
    commandLine: `/bin/sh -c "head -c ${MB} /dev/urandom > out.bin"`,
    resourceFiles: [{ autoStorageContainerName: 'inputs', blobPrefix: blobName('in', i) }],
  };
  if (outputsUrl !== undefined) {
    task.outputFiles = [
      {
        filePattern: 'out.bin',
        destination: { container: { containerUrl: outputsUrl, path: blobName('out', i) } },
        uploadOptions: { uploadCondition: 'taskSuccess' },
      },
    ];
  }
  return task;
}

/** Whether the server accepts output files (it answers 400 UnsupportedProperty while it does not). */
async function acceptsOutputFiles(client, outputsUrl) {
  await client.createJob({ id: 'probe', poolInfo: { poolId: 'no-such-pool' } });
  try {
    await client.createTask('probe', taskOf(0, outputsUrl));
    return true;
  } catch (error) {
    if (error?.code === 'UnsupportedProperty') return false;
    throw error;
  } finally {
    await client.deleteJob('probe');
  }
}

async function batchiteRun(azurite, n, slots, outputsUrl) {
  const server = await startServer({ nodes: 1, slots, storage: azurite.connectionString });
  try {
    const client = server.client();
    await waitForIdleNodes(client, 'local', 1);
    const withOutputs = await acceptsOutputFiles(client, outputsUrl);
    const jobId = 'storage-transfer';
    await client.createJob({ id: jobId, poolInfo: { poolId: 'local' } });
    const tasks = Array.from({ length: n }, (_, i) => taskOf(i, withOutputs ? outputsUrl : undefined));
    const started = Date.now();
    const outcomes = await client.createTasks(jobId, tasks);
    const refused = outcomes.find((outcome) => outcome.status === 'failed');
    if (refused !== undefined) throw refused.error;
    await waitForCompleted(client, jobId, n);
    const split = { download: [], run: [], upload: [] };
    let lastEnd = started;
    let failed = 0;
    const select = 'id,stateTransitionTime,previousStateTransitionTime,executionInfo';
    for await (const task of client.listTasks(jobId, { select })) {
      const info = task.executionInfo ?? {};
      if (info.result !== 'success') failed += 1;
      const claimed = Date.parse(task.previousStateTransitionTime);
      const commandStart = Date.parse(info.startTime);
      const commandEnd = Date.parse(info.endTime);
      const completed = Date.parse(task.stateTransitionTime);
      split.download.push(commandStart - claimed);
      split.run.push(commandEnd - commandStart);
      split.upload.push(completed - commandEnd);
      lastEnd = Math.max(lastEnd, completed);
    }
    if (failed > 0) throw new Error(`${failed} of ${n} tasks failed`);
    return { ms: lastEnd - started, withOutputs, split };
  } finally {
    await server.stop();
  }
}

async function main() {
  const args = benchArgs();
  const n = Number(option('--n', sized(args, 100, 1000)));
  const slots = Number(option('--slots', 4));
  const azurite = await startAzurite();
  try {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const inputs = service.getContainerClient('inputs');
    await inputs.create();
    await pool(n, 8, (i) => inputs.getBlockBlobClient(blobName('in', i)).uploadData(randomBytes(MB)));
    const outputs = service.getContainerClient('outputs');
    await outputs.create();
    const outputsUrl = await outputs.generateSasUrl({
      permissions: ContainerSASPermissions.parse('rcw'),
      expiresOn: new Date(Date.now() + 6 * 3_600_000),
    });
    // The peer first, in a fresh process of its own.
    const peerRun = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--peer',
        azurite.connectionString,
        '--n',
        String(n),
        '--slots',
        String(slots),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (peerRun.status !== 0) throw new Error(`the storage SDK peer failed (${peerRun.status})`);
    const peer = JSON.parse(peerRun.stdout.trim().split('\n').at(-1));
    const b = await batchiteRun(azurite, n, slots, outputsUrl);
    const peerMs = peer.downloadMs + (b.withOutputs ? peer.uploadMs : 0);
    const perTask = (values) => `${fmt(mean(values))} ms`;
    const size = args.full ? 'full' : 'small';
    const command = `node bench/storage-transfer.mjs${args.full ? ' --full' : ''} --slots ${slots}`;
    const what = b.withOutputs
      ? '1 MB resource file in, 1 MB output file out'
      : '1 MB resource file in (outputFiles refused by this server: no upload)';
    await record({
      key: `15 ${size}`,
      name: `Storage transfer, ${fmt(n)} tasks × ${what}, Azurite, 1 node × ${slots} slots`,
      command,
      figure: `${fmt(b.ms)} ms end to end (${fmt((n / b.ms) * 1000, 1)} tasks/s); per task mean: download ${perTask(b.split.download)}, run ${perTask(b.split.run)}, upload ${b.withOutputs ? perTask(b.split.upload) : 'n/a'}`,
      baseline: `@azure/storage-blob alone, ${slots} at a time, own process: ${fmt(n)} downloads ${fmt(peer.downloadMs)} ms, ${fmt(n)} uploads ${fmt(peer.uploadMs)} ms`,
      ratio: ratio(b.ms, peerMs),
      target: 'reported (issue 15)',
      met: 'n/a',
      lines: [`completion minus command end (upload step and report): ${perTask(b.split.upload)}`],
    });
  } finally {
    await azurite.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const peerIndex = process.argv.indexOf('--peer');
  if (peerIndex >= 0) {
    const result = await sdkPeer(
      process.argv[peerIndex + 1],
      Number(option('--n', 100)),
      Number(option('--slots', 4)),
    );
    console.log(JSON.stringify(result));
  } else {
    await main();
  }
}
