/**
 * `batchite serve --with-azurite` as a developer starts it: the real CLI in its own process, Batch on port 0 and
 * Azurite on port 0, both printed with the development account's connection string. Inputs are uploaded with
 * @azure/storage-blob through that connection string; a task on the local pool reads one as an
 * `autoStorageContainerName` resource file (the linked storage is Azurite). On SIGTERM both stop, and Azurite's
 * data stays in the server's data directory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { DEFAULT_BIN_PATH } from '@batchite/cli';
import { WELL_KNOWN_ACCOUNT } from '@batchite/server';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { waitForState } from '../support/poll.js';
import { readAll, RUN_TIMEOUT_MS, sh } from '../execution/helpers.js';

/** Upper bound for the CLI to print its banner (a safety net on a loaded machine, not a pace). */
const START_TIMEOUT_MS = 90_000;

interface Banner {
  endpoint: string;
  storage: string;
  connectionString: string;
}

function parseBanner(output: string): Banner | undefined {
  const endpoint = /endpoint:\s+(\S+)/.exec(output)?.[1];
  const storage = /storage:\s+(\S+)/.exec(output)?.[1];
  const connectionString = /storage connection string:\s+(\S+)/.exec(output)?.[1];
  if (endpoint === undefined || storage === undefined || connectionString === undefined) return undefined;
  return { endpoint, storage, connectionString };
}

function started(child: ChildProcess): Promise<Banner> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const banner = parseBanner(output);
      if (banner === undefined) return;
      clearTimeout(timer);
      resolve(banner);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code}): ${output}`));
    });
  });
}

/** True when nothing answers at `url` any more (the connection is refused). */
async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
}

void describe('batchite serve --with-azurite', () => {
  let dataDir: string;
  let child: ChildProcess;
  let banner: Banner;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'batchite-with-azurite-'));
    const args = [DEFAULT_BIN_PATH, 'serve', '--port', '0', '--with-azurite', '0', '--data', dataDir];
    args.push('--nodes', '1', '--slots', '2', '--log-level', 'silent');
    const env = { ...process.env };
    delete env.BATCHITE_STORAGE;
    child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    banner = await started(child);
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  void it('links Azurite as the storage: a task downloads an autoStorageContainerName resource file', async () => {
    assert.match(banner.storage, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    assert.ok(!banner.storage.includes(':10000/'), 'port 0 asks for any free port');
    assert.ok(banner.connectionString.includes(`BlobEndpoint=${banner.storage};`), banner.connectionString);
    const storage = BlobServiceClient.fromConnectionString(banner.connectionString);
    const containerName = uniqueId('inputs').toLowerCase();
    const container = storage.getContainerClient(containerName);
    await container.create();
    await container.getBlockBlobClient('greeting.txt').upload('hello from azurite', 18);
    const client = sdkClient({
      url: banner.endpoint,
      accountName: WELL_KNOWN_ACCOUNT.name,
      accountKey: WELL_KNOWN_ACCOUNT.key,
    });
    const jobId = uniqueId('job');
    await client.job.add({ id: jobId, poolInfo: { poolId: 'local' } });
    await client.task.add(jobId, {
      id: 'reader',
      commandLine: sh('cat greeting.txt'),
      resourceFiles: [{ autoStorageContainerName: containerName }],
    });
    const task = await waitForState(() => client.task.get(jobId, 'reader'), 'completed', {
      timeoutMs: RUN_TIMEOUT_MS * 2,
    });
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    const stdout = await client.file.getFromTask(jobId, 'reader', 'stdout.txt');
    assert.equal((await readAll(stdout.readableStreamBody)).toString('utf8'), 'hello from azurite');
  });

  void it('SIGTERM stops both; Azurite kept its data under the data directory', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(await refused(banner.storage), 'Azurite stopped with the server');
    assert.ok(existsSync(join(dataDir, 'azurite', '__blobstorage__')), 'Azurite data in <data>/azurite');
  });
});
