/**
 * Account-level operations through the official SDK: pool node counts from the nodes' real states (a real agent
 * whose start task waits on a file, nodes registered through the node API), supported images and a pool made
 * from the advertised image, applications and the retired certificates.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { startAgent, type RunningAgent } from '@batchite/agent';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { RUN_TIMEOUT_MS, Scratch, sh } from '../execution/helpers.js';

type PoolNodeCounts = BatchServiceModels.PoolNodeCounts;

/** Every NodeCounts field of api-version 2022-10-01.16.0 (the one @azure/batch 10.2.0 sends). */
const FIELDS_2022 = [
  'creating',
  'idle',
  'offline',
  'preempted',
  'rebooting',
  'reimaging',
  'running',
  'starting',
  'startTaskFailed',
  'leavingPool',
  'unknown',
  'unusable',
  'waitingForStartTask',
  'total',
];

/** The counts with only the given fields non-zero. */
function counts(nonZero: Record<string, number>): Record<string, number> {
  return Object.fromEntries(FIELDS_2022.map((field) => [field, nonZero[field] ?? 0]));
}

void describe('account operations', () => {
  let server: TestServer;
  let client: BatchServiceClient;
  let scratch: Scratch;
  const agents: RunningAgent[] = [];
  const roots: string[] = [];

  before(async () => {
    server = await startTestServer();
    client = sdkClient(server, { retries: false });
    scratch = new Scratch(await mkdtemp(join(tmpdir(), 'batchite-account-')));
    // Under a root agent the start task runs as an unprivileged user: it must reach the gate file too.
    await chmod(scratch.dir, 0o777);
  });

  after(async () => {
    await scratch.openAll();
    for (const agent of agents) await agent.close();
    await server.dispose();
    for (const root of roots) await rm(root, { recursive: true, force: true });
    await rm(scratch.dir, { recursive: true, force: true });
  });

  async function register(poolId: string): Promise<string> {
    const response = await fetch(`${server.url}/.batchite/pools/${poolId}/nodes/register`, {
      method: 'POST',
      headers: {
        authorization: `BatchiteJoin ${server.joinToken(poolId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ hostname: 'probe' }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { nodeId: string }).nodeId;
  }

  async function countsOf(poolId: string): Promise<PoolNodeCounts | undefined> {
    const list = await client.account.listPoolNodeCounts({
      accountListPoolNodeCountsOptions: { filter: `poolId eq '${poolId}'` },
    });
    assert.ok(list.length <= 1);
    return list[0];
  }

  void it('node counts follow a real node: waitingForStartTask while its start task waits on a file, then idle', async () => {
    const key = uniqueId('start');
    const poolId = await addPool(client, {
      startTask: { commandLine: sh(scratch.waitForGate(key)), waitForSuccess: true },
    });
    const rootDir = await mkdtemp(join(tmpdir(), 'batchite-account-node-'));
    roots.push(rootDir);
    agents.push(
      await startAgent({ serverUrl: server.url, poolId, joinToken: server.joinToken(poolId), rootDir }),
    );
    let last: PoolNodeCounts | undefined;
    const waiting = await waitFor(
      async () => {
        last = await countsOf(poolId);
        return last?.dedicated?.waitingForStartTask === 1 ? last : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'a node waiting for its start task', lastSeen: () => last },
    );
    assert.equal(waiting.poolId, poolId);
    assert.deepEqual({ ...waiting.dedicated }, counts({ waitingForStartTask: 1, total: 1 }));
    assert.deepEqual({ ...waiting.lowPriority }, counts({}));
    await scratch.open(key);
    const idle = await waitFor(
      async () => {
        last = await countsOf(poolId);
        return last?.dedicated?.idle === 1 ? last : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'the node idle', lastSeen: () => last },
    );
    assert.deepEqual({ ...idle.dedicated }, counts({ idle: 1, total: 1 }));
  });

  void it('node counts of every pool, one page at a time; newer api-versions have their newer fields', async () => {
    const starting = await addPool(client, { startTask: { commandLine: sh('true') } });
    await register(starting);
    await register(starting);
    const idle = await addPool(client);
    await register(idle);
    const empty = await addPool(client);
    const first = await client.account.listPoolNodeCounts({
      accountListPoolNodeCountsOptions: { maxResults: 1 },
    });
    assert.equal(first.length, 1);
    assert.ok(first.odatanextLink, 'a next link after a full page');
    const all: PoolNodeCounts[] = [...first];
    let link: string | undefined = first.odatanextLink;
    while (link !== undefined) {
      const page: BatchServiceModels.PoolNodeCountsListResult =
        await client.account.listPoolNodeCountsNext(link);
      all.push(...page);
      link = page.odatanextLink;
    }
    const byPool = new Map(all.map((entry) => [entry.poolId, entry]));
    assert.equal(byPool.size, all.length, 'each pool once');
    assert.deepEqual({ ...byPool.get(starting)?.dedicated }, counts({ starting: 2, total: 2 }));
    assert.deepEqual({ ...byPool.get(idle)?.dedicated }, counts({ idle: 1, total: 1 }));
    assert.deepEqual({ ...byPool.get(empty)?.dedicated }, counts({}));

    const newest = await rawRequest(server, {
      method: 'GET',
      path: '/nodecounts',
      apiVersion: '2024-07-01.20.0',
      query: { $filter: `poolId eq '${idle}'` },
    });
    assert.equal(newest.status, 200);
    const [entry] = (newest.json as { value: { dedicated: Record<string, number> }[] }).value;
    assert.deepEqual(entry?.dedicated, {
      ...counts({ idle: 1, total: 1 }),
      upgradingOS: 0,
      deallocated: 0,
      deallocating: 0,
    });
  });

  void it('node counts refuse a filter on anything but poolId', async () => {
    await expectBatchError(
      client.account.listPoolNodeCounts({ accountListPoolNodeCountsOptions: { filter: "state eq 'idle'" } }),
      { statusCode: 400, code: 'InvalidQueryParameterValue' },
    );
  });

  void it("supported images: this machine's OS as a verified Linux image; a pool made from it runs", async () => {
    const images = await client.account.listSupportedImages();
    assert.equal(images.length, 1);
    const [image] = images;
    assert.ok(image);
    assert.match(image.nodeAgentSKUId, /^batch\.node\.[a-z0-9._-]+ \S+$/);
    assert.equal(image.osType, 'linux');
    assert.equal(image.verificationType, 'verified');
    assert.equal(image.imageReference.version, 'latest');
    assert.ok(image.imageReference.publisher && image.imageReference.offer && image.imageReference.sku);
    const filtered = await client.account.listSupportedImages({
      accountListSupportedImagesOptions: { filter: "verificationType eq 'unverified'" },
    });
    assert.equal(filtered.length, 0);

    const poolId = await addPool(client, {
      virtualMachineConfiguration: {
        imageReference: image.imageReference,
        nodeAgentSKUId: image.nodeAgentSKUId,
      },
    });
    const pool = await client.pool.get(poolId);
    assert.deepEqual(pool.virtualMachineConfiguration?.imageReference, image.imageReference);
    assert.equal(pool.virtualMachineConfiguration?.nodeAgentSKUId, image.nodeAgentSKUId);
  });

  void it('applications: an empty list, and any id is 404 ApplicationNotFound', async () => {
    const list = await client.application.list();
    assert.equal(list._response.status, 200);
    assert.equal(list.length, 0);
    await expectBatchError(client.application.get('no-such-app'), {
      statusCode: 404,
      code: 'ApplicationNotFound',
    });
  });

  void it('certificates (retired in Batch): empty list, add is 400 CertificateRetired, a thumbprint is 404', async () => {
    const list = await client.certificate.list();
    assert.equal(list._response.status, 200);
    assert.equal(list.length, 0);
    const error = await expectBatchError(
      client.certificate.add({ thumbprint: 'abc', thumbprintAlgorithm: 'sha1', data: 'AAAA' }),
      { statusCode: 400, code: 'CertificateRetired' },
    );
    assert.match((error.body as { message: { value: string } }).message.value, /retired on 02\/29\/2024/);
    await expectBatchError(client.certificate.get('sha1', 'abc'), {
      statusCode: 404,
      code: 'CertificateNotFound',
    });
    await expectBatchError(client.certificate.deleteMethod('sha1', 'abc'), {
      statusCode: 404,
      code: 'CertificateNotFound',
    });
    await expectBatchError(client.certificate.cancelDeletion('sha1', 'abc'), {
      statusCode: 404,
      code: 'CertificateNotFound',
    });
    assertBatchErrorResponse(await rawRequest(server, { method: 'GET', path: '/certificates(nonsense)' }), {
      status: 404,
      code: 'ResourceNotFound',
    });
  });
});
