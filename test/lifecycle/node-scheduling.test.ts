/**
 * Node scheduling through the official SDK with real agents: a disabled node takes no task while another does,
 * what `requeue` / `terminate` / `taskcompletion` do to the tasks it runs, enable resumes, `why` names the
 * disabled nodes, the Batch errors, and the node's remote login settings.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { BatchClient } from '@batchite/client';
import { startAgent, type RunningAgent } from '@batchite/agent';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { rawRequest } from '../support/raw.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import {
  addRunJob,
  processExists,
  RUN_TIMEOUT_MS,
  taskInState,
  waitForIdleNodes,
  withRunner,
  type Runner,
} from '../execution/helpers.js';

async function nodeIds(runner: Runner): Promise<string[]> {
  const nodes = await runner.client.computeNode.list(runner.poolId);
  return nodes.map((node) => node.id ?? '').sort();
}

async function pidOf(runner: Runner, key: string): Promise<number> {
  const pid = await waitFor(async () => {
    const text = await readFile(runner.scratch.path(`${key}.pid`), 'utf8').catch(() => '');
    return text.trim() === '' ? undefined : Number(text.trim());
  });
  return pid;
}

function batchClient(runner: Runner): BatchClient {
  const { url: endpoint, accountName, accountKey } = runner.server;
  return new BatchClient({ endpoint, accountName, accountKey });
}

/** Gates of the current test, opened after it (the suite-wide gate would let later tests' tasks through). */
const gates: string[] = [];

/** A task started on some node: returns that node's id and the task's shell pid. */
async function runningTask(runner: Runner, jobId: string, key: string) {
  gates.push(key);
  await runner.client.task.add(jobId, { id: key, commandLine: runner.scratch.gated(key) });
  const running = await taskInState(runner, jobId, key, 'running');
  const nodeId = running.nodeInfo?.nodeId;
  assert.ok(nodeId !== undefined);
  return { nodeId, pid: await pidOf(runner, key) };
}

void describe('disablescheduling / enablescheduling with real nodes', () => {
  const runner = withRunner({ nodes: 2, slots: 1 });

  afterEach(async () => {
    // Every test leaves both nodes enabled and idle for the next.
    for (const key of gates.splice(0)) await runner.scratch.open(key);
    for (const nodeId of await nodeIds(runner)) {
      const node = await runner.client.computeNode.get(runner.poolId, nodeId);
      if (node.schedulingState === 'disabled')
        await runner.client.computeNode.enableScheduling(runner.poolId, nodeId);
    }
    await waitForIdleNodes(runner.client, runner.poolId, 2);
  });

  void it('a disabled node takes no task while the other does; enable resumes it', async () => {
    const { client, poolId } = runner;
    const [quiet, busy] = (await nodeIds(runner)) as [string, string];
    const answer = await client.computeNode.disableScheduling(poolId, quiet);
    assert.equal(answer._response.status, 200);
    assert.equal((await client.computeNode.get(poolId, quiet)).schedulingState, 'disabled');
    const jobId = await addRunJob(runner);
    const first = await runningTask(runner, jobId, 'first');
    assert.equal(first.nodeId, busy);
    gates.push('second');
    await client.task.add(jobId, { id: 'second', commandLine: runner.scratch.gated('second') });
    // The server has looked at `second` and found every enabled slot busy: the disabled node stayed out.
    const why = await waitFor(async () => {
      const answer = await batchClient(runner).why(jobId, 'second');
      return answer.waitInfo?.code === 'NodesBusy' ? answer : undefined;
    });
    assert.equal(why.waitInfo?.code, 'NodesBusy');
    assert.equal((await client.task.get(jobId, 'second')).state, 'active');
    assert.equal((await client.computeNode.get(poolId, quiet)).runningTasksCount, 0);
    await client.computeNode.enableScheduling(poolId, quiet);
    const second = await taskInState(runner, jobId, 'second', 'running');
    assert.equal(second.nodeInfo?.nodeId, quiet);
    assert.equal((await client.computeNode.get(poolId, quiet)).schedulingState, 'enabled');
  });

  void it('requeue (the default) kills the running task and puts it back without a retry spent', async () => {
    const { client, poolId, scratch } = runner;
    const jobId = await addRunJob(runner);
    const { nodeId, pid } = await runningTask(runner, jobId, 'rq');
    await client.computeNode.disableScheduling(poolId, nodeId);
    await waitFor(() => Promise.resolve(!processExists(pid)), {
      timeoutMs: RUN_TIMEOUT_MS,
      what: 'the run killed',
    });
    const again = await waitFor(
      async () => {
        const task = await client.task.get(jobId, 'rq');
        return task.state === 'running' && task.nodeInfo?.nodeId !== nodeId ? task : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'rq running on the other node' },
    );
    assert.equal(again.executionInfo?.requeueCount, 1);
    assert.equal(again.executionInfo?.retryCount, 0);
    await waitFor(async () => (await scratch.runs('rq')) === 2);
  });

  void it('terminate kills the running task and completes it with TaskEnded', async () => {
    const { client, poolId } = runner;
    const jobId = await addRunJob(runner);
    const { nodeId, pid } = await runningTask(runner, jobId, 'tm');
    await client.computeNode.disableScheduling(poolId, nodeId, { nodeDisableSchedulingOption: 'terminate' });
    const done = await taskInState(runner, jobId, 'tm', 'completed');
    assert.equal(done.executionInfo?.failureInfo?.code, 'TaskEnded');
    assert.equal(done.executionInfo?.result, 'failure');
    await waitFor(() => Promise.resolve(!processExists(pid)), {
      timeoutMs: RUN_TIMEOUT_MS,
      what: 'the run killed',
    });
    assert.equal(await runner.scratch.runs('tm'), 1);
  });

  void it('taskcompletion lets the running task finish there; new tasks go elsewhere', async () => {
    const { client, poolId, scratch } = runner;
    const jobId = await addRunJob(runner);
    const { nodeId } = await runningTask(runner, jobId, 'tc');
    await client.computeNode.disableScheduling(poolId, nodeId, {
      nodeDisableSchedulingOption: 'taskcompletion',
    });
    const other = await runningTask(runner, jobId, 'next');
    assert.notEqual(other.nodeId, nodeId);
    assert.equal((await client.task.get(jobId, 'tc')).state, 'running');
    await scratch.open('tc');
    const done = await taskInState(runner, jobId, 'tc', 'completed');
    assert.equal(done.executionInfo?.exitCode, 0);
    assert.equal(done.nodeInfo?.nodeId, nodeId);
    assert.equal(done.executionInfo?.requeueCount ?? 0, 0);
  });

  void it('why says so when every node is disabled', async () => {
    const { client, poolId } = runner;
    const ids = await nodeIds(runner);
    const batchite = batchClient(runner);
    await batchite.disableNodeScheduling(poolId, ids[0] as string);
    await batchite.disableNodeScheduling(poolId, ids[1] as string, 'taskcompletion');
    const jobId = await addRunJob(runner);
    await client.task.add(jobId, { id: 'stuck', commandLine: '/bin/true' });
    const why = await waitFor(async () => {
      const answer = await batchite.why(jobId, 'stuck');
      return answer.waitInfo?.code === 'NodesSchedulingDisabled' ? answer : undefined;
    });
    assert.equal(why.waitInfo?.outlook, 'needs-action');
    assert.deepEqual([...(why.waitInfo?.details?.disabledNodes as string[])].sort(), ids);
    await batchite.enableNodeScheduling(poolId, ids[1] as string);
    await taskInState(runner, jobId, 'stuck', 'completed');
  });

  void it('answers the Batch errors', async () => {
    const { client, poolId } = runner;
    const [nodeId] = (await nodeIds(runner)) as [string];
    await expectBatchError(client.computeNode.enableScheduling(poolId, nodeId), {
      statusCode: 409,
      code: 'NodeAlreadyInTargetSchedulingState',
    });
    await client.computeNode.disableScheduling(poolId, nodeId);
    await expectBatchError(client.computeNode.disableScheduling(poolId, nodeId), {
      statusCode: 409,
      code: 'NodeAlreadyInTargetSchedulingState',
    });
    await expectBatchError(client.computeNode.disableScheduling(poolId, 'tvmps_missing'), {
      statusCode: 404,
      code: 'NodeNotFound',
    });
    await expectBatchError(client.computeNode.enableScheduling(uniqueId('nopool'), nodeId), {
      statusCode: 404,
      code: 'PoolNotFound',
    });
    const bad = await rawRequest(runner.server, {
      method: 'POST',
      path: `/pools/${poolId}/nodes/${nodeId}/disablescheduling`,
      body: { nodeDisableSchedulingOption: 'retaineddata' },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /InvalidPropertyValue/);
    assert.match(bad.text, /nodeDisableSchedulingOption/);
    // The @batchite/client treats "already there" after an ambiguous attempt as done, not on a first attempt.
    await assert.rejects(batchClient(runner).disableNodeScheduling(poolId, nodeId), {
      code: 'NodeAlreadyInTargetSchedulingState',
    });
  });

  void it('remote login settings: the node address and port 22', async () => {
    const { client, poolId } = runner;
    const [nodeId] = (await nodeIds(runner)) as [string];
    const node = await client.computeNode.get(poolId, nodeId);
    const settings = await client.computeNode.getRemoteLoginSettings(poolId, nodeId);
    assert.equal(settings.remoteLoginIPAddress, node.ipAddress);
    assert.equal(settings.remoteLoginPort, 22);
    const mine = await batchClient(runner).getNodeRemoteLoginSettings(poolId, nodeId);
    assert.equal(mine.remoteLoginPort, 22);
    await expectBatchError(client.computeNode.getRemoteLoginSettings(poolId, 'tvmps_missing'), {
      statusCode: 404,
      code: 'NodeNotFound',
    });
  });
});

void describe('a disabled node after a server restart', () => {
  let dir = '';
  const servers: TestServer[] = [];
  const agents: RunningAgent[] = [];

  after(async () => {
    for (const agent of agents) await agent.close();
    for (const server of servers) await server.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  function agentFor(server: TestServer, rootDir: string): Promise<RunningAgent> {
    return startAgent({
      serverUrl: server.url,
      poolId: 'remote',
      nodeId: 'tvm-sched',
      joinToken: server.joinToken('remote'),
      rootDir,
      closeTimeoutMs: 500,
    });
  }

  void it('stays disabled: its agent registers again and takes no task until enabled', async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-node-scheduling-'));
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const first = await startTestServer({ dataDir });
    servers.push(first);
    await sdkClient(first).pool.add({ id: 'remote', vmSize: 'local' });
    agents.push(await agentFor(first, join(dir, 'node')));
    await waitFor(async () => (await sdkClient(first).computeNode.list('remote')).length === 1);
    await sdkClient(first).computeNode.disableScheduling('remote', 'tvm-sched');
    // The server goes away with the node still in its pool; its agent dies too (its leave is never heard).
    await first.stop();
    await agents.pop()?.close();
    const second = await startTestServer({ dataDir });
    servers.push(second);
    agents.push(await agentFor(second, join(dir, 'node')));
    const client = sdkClient(second);
    await client.job.add({ id: 'after-restart', poolInfo: { poolId: 'remote' } });
    await client.task.add('after-restart', { id: 't', commandLine: '/bin/true' });
    const { url, accountName, accountKey } = second;
    const batchite = new BatchClient({ endpoint: url, accountName, accountKey });
    let seen: unknown;
    const why = await waitFor(
      async () => {
        const answer = await batchite.why('after-restart', 't');
        seen = { answer, nodes: await client.computeNode.list('remote') };
        return answer.waitInfo?.code === 'NodesSchedulingDisabled' ? answer : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'why: NodesSchedulingDisabled', lastSeen: () => seen },
    );
    assert.deepEqual(why.waitInfo?.details?.disabledNodes, ['tvm-sched']);
    const node = await client.computeNode.get('remote', 'tvm-sched');
    assert.equal(node.schedulingState, 'disabled');
    await client.computeNode.enableScheduling('remote', 'tvm-sched');
    await waitForState(() => client.task.get('after-restart', 't'), 'completed', {
      timeoutMs: RUN_TIMEOUT_MS,
    });
  });
});
