/**
 * Pools on Slurm, against a real single-host Slurm cluster: each node of a `slurm:<partition>:<cpus>` pool is one
 * Slurm job running `batchite agent`. Driven through the official SDK.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { slurmNodeLauncher } from '@batchite/cli';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { slurmMissing, startSlurmCluster, type SlurmCluster } from '../support/slurm.js';
import { waitFor } from '../support/wait.js';

const POOL = 'slurmpool';
const WAIT = { timeoutMs: 120_000, intervalMs: 200 };

describe('a pool whose nodes are Slurm jobs', { skip: slurmMissing() }, () => {
  let cluster: SlurmCluster;
  let server: TestServer;
  let client: BatchServiceClient;

  /** The pool's nodes that joined, by state. */
  const nodeStates = async (): Promise<string[]> =>
    (await client.computeNode.list(POOL)).map((node) => `${node.id ?? ''}:${node.state ?? ''}`);
  const idleOrRunning = async (): Promise<number> =>
    (await nodeStates()).filter((entry) => /:(idle|running)$/.test(entry)).length;
  /** Slurm jobs of the pool's nodes still running or waiting. */
  const liveJobs = async () =>
    (await cluster.jobs()).filter(
      (job) => job.name.startsWith(`batchite-tvm-${POOL}-`) && ['PENDING', 'RUNNING'].includes(job.state),
    );
  const waitForNodes = async (count: number): Promise<void> => {
    await waitFor(async () => (await idleOrRunning()) === count && (await liveJobs()).length === count, {
      ...WAIT,
      what: `${count} joined node(s), each one live Slurm job`,
      lastSeen: () => count,
    });
  };

  before(async () => {
    cluster = await startSlurmCluster({ cpus: 8 });
    server = await startTestServer({
      slurmLauncher: slurmNodeLauncher({ dir: join(cluster.dir, 'batchite'), env: cluster.env, pollMs: 250 }),
    });
    client = sdkClient(server);
    await client.pool.add({ id: POOL, vmSize: `slurm:${cluster.partition}:2`, targetDedicatedNodes: 2 });
  });

  after(async () => {
    await server?.dispose();
    await cluster?.stop();
  });

  it('runs 200 tasks across its 2 nodes, each node with the 2 slots its job asked for', async () => {
    await waitForNodes(2);
    for (const node of await client.computeNode.list(POOL))
      assert.equal(node.vmSize, `slurm:${cluster.partition}:2`);
    await client.job.add({ id: 'many', poolInfo: { poolId: POOL } });
    const tasks = Array.from({ length: 200 }, (_, i) => ({ id: `t${i}`, commandLine: `/bin/echo ${i}` }));
    for (let i = 0; i < tasks.length; i += 100)
      await client.task.addCollection('many', tasks.slice(i, i + 100));
    await waitFor(
      async () => {
        const counts = await client.job.getTaskCounts('many');
        return counts.taskCounts.completed === 200 ? counts : undefined;
      },
      { ...WAIT, what: '200 completed tasks' },
    );
    const counts = await client.job.getTaskCounts('many');
    assert.equal(counts.taskCounts.succeeded, 200);
    const ran = new Set<string>();
    for (const task of await client.task.list('many')) ran.add(task.nodeInfo?.nodeId ?? '');
    assert.equal(ran.size, 2, `tasks ran on both nodes: ${[...ran].join()}`);
  });

  it('resizes to 1 (a Slurm job cancelled) and to 3 (jobs submitted)', async () => {
    await client.pool.resize(POOL, { targetDedicatedNodes: 1 });
    await waitForNodes(1);
    await client.pool.resize(POOL, { targetDedicatedNodes: 3 });
    await waitForNodes(3);
  });

  it('a job cancelled from outside loses its node: tasks requeued with no retry charged, a replacement joins', async () => {
    await client.job.add({ id: 'long', poolInfo: { poolId: POOL } });
    const tasks = Array.from({ length: 6 }, (_, i) => ({
      id: `s${i}`,
      commandLine: '/bin/sleep 600',
      constraints: { maxTaskRetryCount: 0 },
    }));
    await client.task.addCollection('long', tasks);
    const running = await waitFor(
      async () => {
        const list = await client.task.list('long');
        return list.filter((task) => task.state === 'running').length === 6 ? list : undefined;
      },
      { ...WAIT, what: 'all 6 tasks running' },
    );
    const victim = running[0]?.nodeInfo?.nodeId ?? '';
    const onVictim = running.filter((task) => task.nodeInfo?.nodeId === victim).map((task) => task.id);
    const job = (await liveJobs()).find((row) => row.name === `batchite-${victim}`);
    assert.ok(job, `the Slurm job of ${victim}`);
    await cluster.command('scancel', [job.id]);
    await waitFor(
      async () => {
        const list = await client.task.list('long');
        const requeued = list.filter((task) => onVictim.includes(task.id ?? ''));
        return requeued.every(
          (task) => task.state === 'active' || (task.state === 'running' && task.nodeInfo?.nodeId !== victim),
        );
      },
      { ...WAIT, what: `the tasks of ${victim} to be requeued` },
    );
    for (const task of await client.task.list('long')) {
      assert.notEqual(task.state, 'completed', `${task.id ?? ''} was not ended by the lost node`);
      assert.equal(task.executionInfo?.retryCount ?? 0, 0, `${task.id ?? ''} was charged no retry`);
    }
    await waitFor(
      async () =>
        (await liveJobs()).filter((row) => row.state === 'RUNNING' && row.id !== job.id).length === 3,
      { ...WAIT, what: 'a replacement Slurm job running' },
    );
    await waitFor(async () => (await idleOrRunning()) === 3, { ...WAIT, what: '3 nodes in the pool again' });
    await client.job.terminate('long');
  });

  it('pool delete leaves no Slurm job', async () => {
    await client.pool.deleteMethod(POOL);
    await waitFor(async () => (await liveJobs()).length === 0, { ...WAIT, what: 'no Slurm job left' });
  });
});
