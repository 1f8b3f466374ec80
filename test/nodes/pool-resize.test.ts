/**
 * Pools and their local nodes through the official SDK: nodes join as the pool's target says, report their
 * state and counters, and leave on resize as nodeDeallocationOption says.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const JOIN_TIMEOUT_MS = 30_000;

async function nodesIn(client: BatchServiceClient, poolId: string, state?: string) {
  const nodes = await client.computeNode.list(poolId);
  return state === undefined ? nodes : nodes.filter((node) => node.state === state);
}

async function steadyWith(client: BatchServiceClient, poolId: string, count: number) {
  return waitFor(
    async () => {
      const pool = await client.pool.get(poolId);
      const idle = await nodesIn(client, poolId);
      return pool.allocationState === 'steady' &&
        pool.currentDedicatedNodes === count &&
        idle.length === count
        ? pool
        : undefined;
    },
    { timeoutMs: JOIN_TIMEOUT_MS, what: `pool ${poolId} steady with ${count} node(s)` },
  );
}

describe('pool resize with local nodes', () => {
  const ctx = withServer({ nodes: true });
  let client: BatchServiceClient;

  before(() => {
    client = sdkClient(ctx.server);
  });

  it('starts the target number of nodes, which report their counters', async () => {
    await client.pool.add({ id: 'grow', vmSize: 'local', targetDedicatedNodes: 2, taskSlotsPerNode: 2 });
    await steadyWith(client, 'grow', 2);
    await client.job.add({ id: 'grow-job', poolInfo: { poolId: 'grow' } });
    await client.task.addCollection('grow-job', [
      { id: 'a', commandLine: '/bin/true' },
      { id: 'b', commandLine: '/bin/false' },
    ]);
    await waitFor(async () => (await client.job.getTaskCounts('grow-job')).taskCounts.completed === 2, {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'both tasks to complete',
    });
    const nodes = await nodesIn(client, 'grow');
    assert.equal(
      nodes.reduce((sum, node) => sum + (node.totalTasksRun ?? 0), 0),
      2,
    );
    assert.equal(
      nodes.reduce((sum, node) => sum + (node.totalTasksSucceeded ?? 0), 0),
      1,
    );
    assert.ok(nodes.every((node) => node.state === 'idle' && node.runningTasksCount === 0));
    const recent = nodes
      .flatMap((node) => node.recentTasks ?? [])
      .map((task) => task.taskId)
      .sort();
    assert.deepEqual(recent, ['a', 'b']);
  });

  it("shrinks with requeue: the removed node's task goes back to active with requeueCount 1", async () => {
    await client.pool.add({ id: 'shrink', vmSize: 'local', targetDedicatedNodes: 2, taskSlotsPerNode: 1 });
    await steadyWith(client, 'shrink', 2);
    await client.job.add({ id: 'shrink-job', poolInfo: { poolId: 'shrink' } });
    await client.task.addCollection('shrink-job', [
      { id: 'one', commandLine: '/bin/sh -c "sleep 600"' },
      { id: 'two', commandLine: '/bin/sh -c "sleep 600"' },
    ]);
    await waitFor(async () => (await client.job.getTaskCounts('shrink-job')).taskCounts.running === 2, {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'both tasks to run, one per node',
    });
    await client.pool.resize('shrink', { targetDedicatedNodes: 1, nodeDeallocationOption: 'requeue' });
    await steadyWith(client, 'shrink', 1);
    const tasks = await Promise.all(['one', 'two'].map((id) => client.task.get('shrink-job', id)));
    const requeued = tasks.filter((task) => task.state === 'active');
    assert.equal(requeued.length, 1, 'the task of the removed node is back to active');
    assert.equal(requeued[0]?.executionInfo?.requeueCount, 1);
    assert.equal(requeued[0]?.executionInfo?.retryCount, 0);
    const kept = tasks.find((task) => task.state === 'running');
    assert.equal(kept?.executionInfo?.requeueCount, 0, 'the task on the remaining node keeps running');
    await client.job.terminate('shrink-job');
  });

  it("shrinks with terminate: the removed node's task completes with TaskEnded", async () => {
    await client.pool.add({ id: 'cut', vmSize: 'local', targetDedicatedNodes: 1, taskSlotsPerNode: 1 });
    await steadyWith(client, 'cut', 1);
    await client.job.add({ id: 'cut-job', poolInfo: { poolId: 'cut' } });
    await client.task.add('cut-job', { id: 'long', commandLine: '/bin/sh -c "sleep 600"' });
    await waitFor(async () => (await client.task.get('cut-job', 'long')).state === 'running', {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'the task to run',
    });
    await client.pool.resize('cut', { targetDedicatedNodes: 0, nodeDeallocationOption: 'terminate' });
    await steadyWith(client, 'cut', 0);
    const task = await client.task.get('cut-job', 'long');
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
  });

  it('shrinks with taskcompletion: the node drains, its task finishes normally, then it leaves', async () => {
    const gateDir = await mkdtemp(join(tmpdir(), 'batchite-drain-'));
    // Tasks run as their own users under a root agent: they must be able to look for the gate.
    await chmod(gateDir, 0o711);
    const gate = join(gateDir, 'open');
    await client.pool.add({ id: 'drain', vmSize: 'local', targetDedicatedNodes: 1, taskSlotsPerNode: 1 });
    await steadyWith(client, 'drain', 1);
    await client.job.add({ id: 'drain-job', poolInfo: { poolId: 'drain' } });
    await client.task.add('drain-job', {
      id: 'finishing',
      commandLine: `/bin/sh -c "while [ ! -f ${gate} ]; do sleep 0.05; done"`,
    });
    await client.task.add('drain-job', { id: 'waiting', commandLine: '/bin/true' });
    await waitFor(async () => (await client.task.get('drain-job', 'finishing')).state === 'running', {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'the task to run',
    });
    await client.pool.resize('drain', { targetDedicatedNodes: 0, nodeDeallocationOption: 'taskcompletion' });
    await waitFor(async () => (await nodesIn(client, 'drain', 'leavingpool')).length === 1, {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'the node to be leaving the pool',
    });
    await writeFile(gate, '');
    await steadyWith(client, 'drain', 0);
    const finished = await client.task.get('drain-job', 'finishing');
    assert.equal(finished.state, 'completed');
    assert.equal(finished.executionInfo?.result, 'success', 'the running task was allowed to finish');
    assert.equal(finished.executionInfo?.requeueCount, 0);
    assert.equal(
      (await client.task.get('drain-job', 'waiting')).state,
      'active',
      'a leaving node takes no new work',
    );
    await rm(dirname(gate), { recursive: true, force: true });
  });

  it('refuses a resize while the pool is resizing, and a resize of a deleting pool', async () => {
    await client.pool.add({ id: 'busy', vmSize: 'local', targetDedicatedNodes: 0 });
    await client.pool.resize('busy', { targetDedicatedNodes: 1 });
    const conflict = await client.pool.resize('busy', { targetDedicatedNodes: 2 }).then(
      () => undefined,
      (error: { statusCode?: number; code?: string }) => error,
    );
    if (conflict !== undefined) {
      assert.equal(conflict.statusCode, 409);
      assert.equal(conflict.code, 'PoolBeingResized');
    } else {
      // The single node joined before the second call: the pool was steady again, so the resize was valid.
      assert.equal((await client.pool.get('busy')).targetDedicatedNodes, 2);
    }
    await client.pool.deleteMethod('busy');
    await waitFor(async () => !(await client.pool.exists('busy')).body, {
      timeoutMs: JOIN_TIMEOUT_MS,
      what: 'the pool to go',
    });
  });
});
