/**
 * Issue 12 point 7, the attack as the test: a resize far beyond what the machine can run (up to 2^31-1 nodes,
 * which Batch's validation accepts) must not start more agent processes than the local node quota
 * (`maxNodes`), also when a server restarts with such a pool stored. Beyond the quota the pool is answered as
 * Batch answers a resize beyond the account's core quota: resizeErrors with the quota code, as many nodes as
 * the quota allows, allocation back to steady.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import type { RunningServer } from '@batchite/server';
import { sdkClient } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';
import { CountingLauncher, startBoundsServer } from './bounds-support.js';

const QUOTA = 2;
const INT32_MAX = 2_147_483_647;
const JOIN_TIMEOUT_MS = 90_000;

/** Waits until the pool is steady with `count` nodes joined and returns it. */
async function steadyWith(client: BatchServiceClient, poolId: string, count: number) {
  return waitFor(
    async () => {
      const pool = await client.pool.get(poolId);
      const nodes = await client.computeNode.list(poolId);
      return pool.allocationState === 'steady' &&
        pool.currentDedicatedNodes === count &&
        nodes.length === count
        ? pool
        : undefined;
    },
    { timeoutMs: JOIN_TIMEOUT_MS, what: `pool ${poolId} steady with ${count} node(s)` },
  );
}

describe('local node quota (issue 12 point 7)', () => {
  let dataDir: string;
  let server: RunningServer | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'batchite-quota-'));
  });
  after(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a resize beyond the quota gets AccountCoreQuotaReached, the quota of nodes and steady', async () => {
    const launcher = new CountingLauncher();
    server = await startBoundsServer(dataDir, { nodeLauncher: launcher, maxNodes: QUOTA });
    const client = sdkClient(server);
    await client.pool.add({ id: 'big', vmSize: 'local', targetDedicatedNodes: 1 });
    const one = await steadyWith(client, 'big', 1);
    assert.equal(one.resizeErrors, undefined, 'a resize within the quota has no errors');

    await client.pool.resize('big', { targetDedicatedNodes: INT32_MAX });
    const capped = await steadyWith(client, 'big', QUOTA);
    assert.equal(capped.targetDedicatedNodes, INT32_MAX, 'the target is kept as asked');
    assert.equal(capped.resizeErrors?.length, 1);
    assert.equal(capped.resizeErrors?.[0]?.code, 'AccountCoreQuotaReached');
    assert.match(capped.resizeErrors?.[0]?.message ?? '', /quota/);
    assert.ok(launcher.maxAlive <= QUOTA, `at most ${QUOTA} agents alive at once (saw ${launcher.maxAlive})`);

    // The quota is for all pools together: a second pool gets what is left, here nothing.
    await client.pool.add({ id: 'second', vmSize: 'local', targetDedicatedNodes: 3 });
    const starved = await steadyWith(client, 'second', 0);
    assert.equal(starved.resizeErrors?.[0]?.code, 'AccountCoreQuotaReached');
    await client.pool.deleteMethod('second');

    // Dedicated nodes that fit, low-priority ones that do not: the low-priority code, as Batch reports it.
    await client.pool.resize('big', { targetDedicatedNodes: 1, targetLowPriorityNodes: 5 });
    const lowPriority = await waitFor(
      async () => {
        const pool = await client.pool.get('big');
        return pool.allocationState === 'steady' && pool.resizeErrors !== undefined ? pool : undefined;
      },
      { timeoutMs: JOIN_TIMEOUT_MS, what: 'the low-priority resize to settle' },
    );
    assert.equal(lowPriority.resizeErrors?.[0]?.code, 'AccountLowPriorityCoreQuotaReached');

    // A resize that fits again clears the errors.
    await client.pool.resize('big', { targetDedicatedNodes: 1 });
    const fits = await steadyWith(client, 'big', 1);
    assert.equal(fits.resizeErrors, undefined);
    assert.ok(launcher.maxAlive <= QUOTA, `at most ${QUOTA} agents alive at once (saw ${launcher.maxAlive})`);
  });

  it('a restart with a pool of 2^31-1 nodes stored spawns at most the quota', async () => {
    assert.ok(server !== undefined);
    await sdkClient(server).pool.resize('big', { targetDedicatedNodes: INT32_MAX });
    await server.close();
    server = undefined;

    const launcher = new CountingLauncher();
    server = await startBoundsServer(dataDir, { nodeLauncher: launcher, maxNodes: QUOTA });
    const client = sdkClient(server);
    const pool = await steadyWith(client, 'big', QUOTA);
    assert.equal(pool.resizeErrors?.[0]?.code, 'AccountCoreQuotaReached');
    assert.ok(launcher.launches <= QUOTA, `at most ${QUOTA} agents launched (saw ${launcher.launches})`);
    assert.ok(launcher.maxAlive <= QUOTA);
  });
});
