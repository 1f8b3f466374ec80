/** Compute nodes: list and get on a pool; unknown node → 404 NodeNotFound (the Azure Batch REST reference compute nodes). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const NODE_STATES = new Set([
  'idle',
  'rebooting',
  'reimaging',
  'running',
  'unusable',
  'creating',
  'starting',
  'waitingforstarttask',
  'starttaskfailed',
  'unknown',
  'leavingpool',
  'offline',
  'preempted',
]);

void describe('compute nodes', () => {
  const ctx = withServer();

  void it('list answers 200 with an array; every listed node can be fetched by id', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const poolId = await addPool(client);
    const nodes = await client.computeNode.list(poolId);
    assert.equal(nodes._response.status, 200);
    assert.ok(Array.isArray(nodes));
    for (const node of nodes) {
      assert.ok(node.id, 'node id');
      assert.ok(node.state && NODE_STATES.has(node.state), `documented node state: ${node.state}`);
      const fetched = await client.computeNode.get(poolId, node.id);
      assert.equal(fetched._response.status, 200);
      assert.equal(fetched.id, node.id);
    }
  });

  void it('get of an unknown node → 404 NodeNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const poolId = await addPool(client);
    await expectBatchError(client.computeNode.get(poolId, 'tvm-no-such-node'), {
      statusCode: 404,
      code: 'NodeNotFound',
    });
  });

  void it('listing nodes of a missing pool → 404 PoolNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    await expectBatchError(client.computeNode.list('no-such-pool-for-nodes'), {
      statusCode: 404,
      code: 'PoolNotFound',
    });
  });
});
