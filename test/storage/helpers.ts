/**
 * The storage suites' set-up: a real Azurite (blob), a Batchite server linked to it (`storage`), real local
 * agents in one pool, and the official SDKs on both sides (`@azure/batch`, `@azure/storage-blob`).
 */
import { after, before } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { readAll, RUN_TIMEOUT_MS, waitForIdleNodes } from '../execution/helpers.js';
import { waitForState } from '../support/poll.js';

export interface StorageRunner {
  readonly azurite: Azurite;
  readonly server: TestServer;
  readonly client: BatchServiceClient;
  readonly poolId: string;
}

/** Registers before/after hooks: Azurite, a linked server with `nodes` agents of `slots` slots, a pool. */
export function withStorageRunner(options: { nodes?: number; slots?: number } = {}): StorageRunner {
  let state: StorageRunner | undefined;
  let azurite: Azurite | undefined;
  let server: TestServer | undefined;
  before(async () => {
    azurite = await startAzurite();
    server = await startTestServer({ nodes: true, storage: azurite.connectionString });
    const client = sdkClient(server);
    const nodes = options.nodes ?? 1;
    const poolId = await addPool(client, {
      targetDedicatedNodes: nodes,
      taskSlotsPerNode: options.slots ?? 4,
    });
    await waitForIdleNodes(client, poolId, nodes);
    state = { azurite, server, client, poolId };
  });
  after(async () => {
    await server?.dispose();
    await azurite?.stop();
  });
  const current = (): StorageRunner => {
    if (state === undefined) throw new Error('withStorageRunner: not started (use it inside tests/hooks)');
    return state;
  };
  return {
    get azurite() {
      return current().azurite;
    },
    get server() {
      return current().server;
    },
    get client() {
      return current().client;
    },
    get poolId() {
      return current().poolId;
    },
  };
}

/** Creates a container with `blobs` (name → text) and returns its name. */
export async function containerWith(azurite: Azurite, blobs: Record<string, string>): Promise<string> {
  const name = uniqueId('inputs')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 60);
  const container = azurite.service.getContainerClient(name);
  await container.create();
  for (const [blob, text] of Object.entries(blobs)) {
    await container.getBlockBlobClient(blob).upload(text, Buffer.byteLength(text));
  }
  return name;
}

/** Adds a job on the runner's pool and returns its id. */
export async function addJob(runner: StorageRunner): Promise<string> {
  const id = uniqueId('job');
  await runner.client.job.add({ id, poolInfo: { poolId: runner.poolId } });
  return id;
}

/** Adds one task and waits until it completed; returns it. */
export async function runTask(
  runner: StorageRunner,
  jobId: string,
  task: BatchServiceModels.TaskAddParameter,
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<BatchServiceModels.CloudTask> {
  await runner.client.task.add(jobId, task);
  return waitForState(() => runner.client.task.get(jobId, task.id), 'completed', { timeoutMs });
}

/** A task's stdout.txt as text. */
export async function stdoutOf(runner: StorageRunner, jobId: string, taskId: string): Promise<string> {
  const file = await runner.client.file.getFromTask(jobId, taskId, 'stdout.txt');
  return (await readAll(file.readableStreamBody)).toString('utf8');
}
