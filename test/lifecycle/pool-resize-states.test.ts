/**
 * Pool allocation and deletion states through the official SDK, with real processes as nodes (Azure Batch REST
 * reference: Pool - Resize, Stop Resize, Delete; ResizeError):
 * - a resize is `resizing` while its nodes start and `steady` once they joined;
 * - `resizeTimeout` bounds a resize: `AllocationTimedout`, steady with the nodes reached (fake clock);
 * - `stopResize`: steady with the nodes reached, `ResizeStopped`, nodes still starting are stopped;
 * - delete: the pool answers `deleting` (200) until its nodes' processes are stopped, every change is 409
 *   PoolBeingDeleted, then 404 PoolNotFound; the running task is requeued and its process is gone.
 * The `ShellLauncher` nodes never join: they stand for nodes that are slow to start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { FakeClock } from '@batchite/retry';
import { readAll } from '../execution/helpers.js';
import { expectBatchError } from '../support/errors.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { alive, GatedLauncher, ShellLauncher } from './pool-launchers.js';

const JOIN_TIMEOUT_MS = 60_000;

/** Polls the pool until `done`, returning the allocation states seen, in order, without repeats. */
async function allocationStatesUntil(
  client: BatchServiceClient,
  poolId: string,
  done: (pool: BatchServiceModels.CloudPool) => boolean,
): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    async () => {
      const pool = await client.pool.get(poolId);
      const state = pool.allocationState ?? '';
      if (seen.at(-1) !== state) seen.push(state);
      return done(pool);
    },
    { timeoutMs: JOIN_TIMEOUT_MS, what: `pool ${poolId} allocation`, lastSeen: () => seen },
  );
  return seen;
}

void describe('pool resize and delete states with real agents', () => {
  const launcher = new GatedLauncher();
  const ctx = withServer({ nodeLauncher: launcher });
  let client: BatchServiceClient;

  before(() => {
    client = sdkClient(ctx.server);
  });
  after(() => launcher.release());

  void it('resizing while the node starts, steady once it joined; delete goes through deleting', async () => {
    await client.pool.add({ id: 'life', vmSize: 'local', targetDedicatedNodes: 1 });
    const added = await client.pool.get('life');
    assert.equal(added.allocationState, 'resizing', 'no node has joined yet');
    const states = await allocationStatesUntil(
      client,
      'life',
      (pool) => pool.allocationState === 'steady' && pool.currentDedicatedNodes === 1,
    );
    assert.deepEqual(states, ['resizing', 'steady']);
    const steady = await client.pool.get('life');
    assert.ok(
      (steady.allocationStateTransitionTime?.getTime() ?? 0) >=
        (added.allocationStateTransitionTime?.getTime() ?? Infinity),
      'allocationStateTransitionTime moves with the state',
    );
    assert.equal(steady.resizeErrors, undefined);

    await client.job.add({ id: 'life-job', poolInfo: { poolId: 'life' } });
    await client.task.add('life-job', {
      id: 'long',
      commandLine: `/bin/sh -c 'echo $$; exec sleep 600'`,
    });
    const taskPid = await waitFor(
      async () => {
        const task = await client.task.get('life-job', 'long');
        if (task.state !== 'running') return undefined;
        const stdout = await client.file.getFromTask('life-job', 'long', 'stdout.txt').catch(() => undefined);
        if (stdout === undefined) return undefined; // not written yet
        return Number((await readAll(stdout.readableStreamBody)).toString('utf8').trim()) || undefined;
      },
      { timeoutMs: JOIN_TIMEOUT_MS, what: 'the task to run' },
    );

    await client.pool.deleteMethod('life');
    await waitFor(() => launcher.stopsRequested > 0, { what: 'the node to be asked to stop' });
    const deleting = await client.pool.get('life');
    assert.equal(deleting.state, 'deleting', 'GET answers the pool while its nodes stop');
    await waitFor(
      async () => (await client.computeNode.list('life')).every((node) => node.state === 'leavingpool'),
      { what: 'the node to be leaving the pool' },
    );
    const beingDeleted = { statusCode: 409, code: 'PoolBeingDeleted' };
    await expectBatchError(client.pool.resize('life', { targetDedicatedNodes: 2 }), beingDeleted);
    await expectBatchError(client.pool.patch('life', { metadata: [] }), beingDeleted);
    await expectBatchError(client.pool.stopResize('life'), beingDeleted);
    await expectBatchError(client.pool.deleteMethod('life'), beingDeleted);
    const requeued = await waitFor(async () => {
      const task = await client.task.get('life-job', 'long');
      return task.state === 'active' ? task : undefined;
    });
    assert.equal(requeued.executionInfo?.requeueCount, 1);

    launcher.release();
    await waitFor(async () => !(await client.pool.exists('life')).body, {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'the pool to go',
    });
    await expectBatchError(client.pool.get('life'), { statusCode: 404, code: 'PoolNotFound' });
    assert.deepEqual(launcher.pids.filter(alive), [], 'the agent process is gone');
    await waitFor(() => !alive(taskPid), { what: 'the task process to be gone' });
  });
});

void describe('resizeTimeout and stopResize (fake clock)', () => {
  const clock = new FakeClock(Date.now());
  const launcher = new ShellLauncher('exec sleep 600');
  const ctx = withServer({ nodeLauncher: launcher, clock });
  let client: BatchServiceClient;

  before(() => {
    client = sdkClient(ctx.server);
  });

  void it('a resize not reached within resizeTimeout ends with AllocationTimedout', async () => {
    await client.pool.add({ id: 'slow', vmSize: 'local', targetDedicatedNodes: 2, resizeTimeout: 'PT5M' });
    await waitFor(() => launcher.running().length === 2, { what: 'two node processes' });
    const resizing = await client.pool.get('slow');
    assert.equal(resizing.allocationState, 'resizing');
    await expectBatchError(client.pool.resize('slow', { targetDedicatedNodes: 1 }), {
      statusCode: 409,
      code: 'PoolBeingResized',
    });

    await clock.advance(5 * 60_000 - 2_000);
    assert.equal((await client.pool.get('slow')).allocationState, 'resizing', 'not before the timeout');
    const timedOut = await waitFor(
      async () => {
        await clock.advance(1_000);
        const pool = await client.pool.get('slow');
        return pool.allocationState === 'steady' ? pool : undefined;
      },
      { what: 'the resize to time out' },
    );
    assert.deepEqual(
      timedOut.resizeErrors?.map((error) => error.code),
      ['AllocationTimedout'],
    );
    assert.equal(timedOut.currentDedicatedNodes, 0);
    assert.equal(timedOut.targetDedicatedNodes, 2);
    await waitFor(() => launcher.running().length === 0, { what: 'the starting nodes to be stopped' });
    const launches = launcher.launches;
    await clock.advance(5_000);
    assert.equal(launcher.launches, launches, 'no node is started after the resize ended');
  });

  void it('stopResize: steady with the nodes reached, ResizeStopped, starting nodes stopped', async () => {
    await client.pool.add({ id: 'halt', vmSize: 'local', targetDedicatedNodes: 1 });
    await waitFor(() => launcher.running().length === 1, { what: 'the node process' });
    await client.pool.stopResize('halt');
    const stopped = await waitFor(
      async () => {
        const pool = await client.pool.get('halt');
        return pool.allocationState === 'steady' ? pool : undefined;
      },
      { what: 'the pool to be steady' },
    );
    assert.deepEqual(
      stopped.resizeErrors?.map((error) => error.code),
      ['ResizeStopped'],
    );
    assert.equal(stopped.currentDedicatedNodes, 0);
    await waitFor(() => launcher.running().length === 0, { what: 'the starting node to be stopped' });
  });
});

void describe('nodes whose agent process fails to start (fake clock)', () => {
  const clock = new FakeClock(Date.now());
  // Stands for an agent that cannot start (a broken install, a bad flag): it exits at once, never joining.
  const launcher = new ShellLauncher('exit 1');
  const ctx = withServer({ nodeLauncher: launcher, clock });
  let client: BatchServiceClient;

  before(() => {
    client = sdkClient(ctx.server);
  });

  void it('a node that exits before joining is started again; three failed starts end the resize with AllocationFailed', async () => {
    await client.pool.add({ id: 'broken', vmSize: 'local', targetDedicatedNodes: 1 });
    await waitFor(() => launcher.launches === 1 && launcher.running().length === 0, {
      what: 'the first start to fail',
    });
    assert.equal((await client.pool.get('broken')).allocationState, 'resizing', 'one failure is retried');
    // Each failed start is retried after a pause on the server's clock; advancing it in steps never skips one.
    const failed = await waitFor(
      async () => {
        await clock.advance(1_000);
        const pool = await client.pool.get('broken');
        return pool.allocationState === 'steady' ? pool : undefined;
      },
      { what: 'the resize to end after the third failed start' },
    );
    assert.equal(launcher.launches, 3);
    assert.deepEqual(
      failed.resizeErrors?.map((error) => error.code),
      ['AllocationFailed'],
    );
    const values = Object.fromEntries(
      (failed.resizeErrors?.[0]?.values ?? []).map((pair) => [pair.name, pair.value]),
    );
    assert.equal(values.FailedStarts, '3');
    assert.match(values.NodeId ?? '', /^tvm-/);
    assert.equal(failed.currentDedicatedNodes, 0);
    assert.equal(failed.targetDedicatedNodes, 1, 'the target stays as asked');
    await clock.advance(5_000);
    assert.equal(launcher.launches, 3, 'no node is started after the resize failed');

    // The next resize starts afresh: errors cleared, the node tried again.
    await client.pool.resize('broken', { targetDedicatedNodes: 1 });
    const resized = await client.pool.get('broken');
    assert.equal(resized.allocationState, 'resizing');
    assert.equal(resized.resizeErrors, undefined);
    await waitFor(() => launcher.launches === 4, { what: 'a new start after the resize' });
  });
});
