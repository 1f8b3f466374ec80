/**
 * `examples/map-step.mjs` run as a user runs it: `node examples/map-step.mjs 3` in a child process against a real
 * server (port 0, pool `local` with one real node) whose linked storage is a real Azurite, pointed there by
 * BATCHITE_ENDPOINT and AZURE_STORAGE_CONNECTION_STRING. The tasks get their inputs as resource files and upload
 * their results as output files; the example reads them back from storage and reduces them.
 *
 * The run needs `outputFiles`: on a server that still refuses them (400 UnsupportedProperty) the run is skipped
 * with that reason, and runs as soon as the server accepts them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { childProcessNodeLauncher } from '@batchite/cli';
import { BatchClient, isBatchError } from '@batchite/client';
import { startServer, type RunningServer } from '@batchite/server';
import { startAzurite, type Azurite } from '../support/azurite.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = join(root, 'examples', 'map-step.mjs');

function runExample(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [example, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether the server accepts `outputFiles` on a task (a task of a job on a pool that does not exist: never runs). */
async function acceptsOutputFiles(server: RunningServer): Promise<boolean> {
  const batch = new BatchClient({ endpoint: server.url });
  const jobId = `probe-${Date.now()}`;
  await batch.createJob({ id: jobId, poolInfo: { poolId: 'no-such-pool' } });
  try {
    await batch.createTask(jobId, {
      id: 'probe',
      commandLine: '/bin/true',
      outputFiles: [
        {
          filePattern: 'x',
          destination: { container: { containerUrl: 'http://127.0.0.1:9/c' } },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    });
    return true;
  } catch (error) {
    if (isBatchError(error) && error.code === 'UnsupportedProperty') return false;
    throw error;
  } finally {
    await batch.deleteJob(jobId);
  }
}

void describe('examples/map-step.mjs (resource files in, output files out, through Azurite)', () => {
  let azurite: Azurite;
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    azurite = await startAzurite();
    dataDir = mkdtempSync(join(tmpdir(), 'batchite-map-step-'));
    server = await startServer({
      port: 0,
      dataDir,
      logLevel: false,
      storage: azurite.connectionString,
      localPool: { nodes: 1, slots: 2 },
      nodeLauncher: childProcessNodeLauncher({ stdio: 'ignore' }),
    });
  });

  after(async () => {
    await server?.close();
    await azurite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  void it('maps 3 inputs to 3 uploaded results and reduces them', { timeout: 300_000 }, async (t) => {
    if (!(await acceptsOutputFiles(server))) {
      t.skip('the server refuses outputFiles (400 UnsupportedProperty): output file uploads are not in yet');
      return;
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BATCHITE_ENDPOINT: server.url,
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    };
    delete env.BATCHITE_ACCOUNT_NAME;
    delete env.BATCHITE_ACCOUNT_KEY;
    const result = await runExample(['3'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), [
      '3 succeeded, 0 failed',
      'part-1: 6',
      'part-2: 12',
      'part-3: 18',
      'total: 36',
    ]);
  });
});
