/**
 * A pool's start task with real agents, read through the official SDK: it runs on every node when the node
 * joins (and again when its agent registers anew), in `startup/` with the Batch environment; with waitForSuccess
 * the node waits (`starting` → `waitingforstarttask` → `idle`) and takes no task until it succeeded, a failure
 * after its retries leaves the node `starttaskfailed` with the failure in `startTaskInfo`; without waitForSuccess
 * the node takes tasks at once; a pool update applies to nodes that join afterwards. Output is read back through
 * the node files API.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { startAgent, type RunningAgent } from '@batchite/agent';
import { BatchClient } from '@batchite/client';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { readAll, RUN_TIMEOUT_MS, Scratch, sh } from '../execution/helpers.js';

type Node = BatchServiceModels.ComputeNode;

interface Joined {
  agent: RunningAgent;
  root: string;
  nodeId: string;
}

void describe('pool start task (agents with their own root, files through their file server)', () => {
  let server: TestServer;
  let client: BatchServiceClient;
  let batchite: BatchClient;
  let scratch: Scratch;
  const joined: Joined[] = [];

  before(async () => {
    server = await startTestServer();
    client = sdkClient(server);
    batchite = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
    });
    scratch = new Scratch(await mkdtemp(join(tmpdir(), 'batchite-start-task-')));
    // Under a root agent the start task may run as its own user: it writes here too.
    await chmod(scratch.dir, 0o777);
  });

  after(async () => {
    await scratch.openAll();
    for (const { agent } of joined) await agent.close();
    await server.dispose();
    for (const { root } of joined) await rm(root, { recursive: true, force: true });
    await rm(scratch.dir, { recursive: true, force: true });
  });

  async function joinPool(poolId: string, nodeId?: string, root?: string): Promise<Joined> {
    const rootDir = root ?? (await mkdtemp(join(tmpdir(), 'batchite-start-node-')));
    const agent = await startAgent({
      serverUrl: server.url,
      poolId,
      joinToken: server.joinToken(poolId),
      rootDir,
      fileServer: { host: '127.0.0.1', port: 0 },
      ...(nodeId === undefined ? {} : { nodeId }),
    });
    const entry = { agent, root: rootDir, nodeId: agent.nodeId };
    joined.push(entry);
    return entry;
  }

  function nodeWhen(poolId: string, nodeId: string, done: (node: Node) => boolean, what: string) {
    let last: Node | undefined;
    return waitFor(
      async () => {
        last = await client.computeNode.get(poolId, nodeId);
        return done(last) ? last : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what, lastSeen: () => JSON.stringify(last) },
    );
  }

  async function nodeApi(
    path: string,
    authorization: string,
    body: object,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200, path);
    return (await response.json()) as Record<string, unknown>;
  }

  async function nodeFile(poolId: string, nodeId: string, path: string): Promise<string> {
    const file = await client.file.getFromComputeNode(poolId, nodeId, path);
    return (await readAll(file.readableStreamBody)).toString('utf8');
  }

  async function addJobTask(poolId: string, commandLine = sh('true')): Promise<[string, string]> {
    const jobId = uniqueId('job');
    await client.job.add({ id: jobId, poolInfo: { poolId } });
    await client.task.add(jobId, { id: 't', commandLine });
    return [jobId, 't'];
  }

  void it('node API: a registered node is starting until its agent reports the start task, then waits for it', async () => {
    const poolId = await addPool(client, {
      startTask: { commandLine: sh('true'), environmentSettings: [{ name: 'A', value: '1' }] },
    });
    const register = await nodeApi(
      `/.batchite/pools/${poolId}/nodes/register`,
      `BatchiteJoin ${server.joinToken(poolId)}`,
      {
        hostname: 'probe',
      },
    );
    const order = register.startTask as {
      runId: string;
      environment: Record<string, string>;
      waitForSuccess: boolean;
    };
    assert.equal(order.waitForSuccess, true, 'Batch default');
    assert.equal(order.environment.A, '1');
    const nodeId = register.nodeId as string;
    const auth = `BatchiteNode ${nodeId}:${register.token as string}`;
    const states = [(await client.computeNode.get(poolId, nodeId)).state];
    const report = (body: object) => nodeApi(`/.batchite/nodes/${nodeId}/starttask`, auth, body);
    const startTime = new Date().toISOString();
    assert.equal(
      (await report({ runId: 'other-boot', state: 'running', startTime, retryCount: 0 })).accepted,
      false,
    );
    assert.equal(
      (await report({ runId: order.runId, state: 'running', startTime, retryCount: 0 })).accepted,
      true,
    );
    states.push((await client.computeNode.get(poolId, nodeId)).state);
    const endTime = new Date().toISOString();
    await report({
      runId: order.runId,
      state: 'completed',
      startTime,
      endTime,
      exitCode: 0,
      retryCount: 0,
      final: true,
    });
    states.push((await client.computeNode.get(poolId, nodeId)).state);
    assert.deepEqual(states, ['starting', 'waitingforstarttask', 'idle']);
  });

  void it('waitForSuccess: waitingforstarttask → idle, tasks wait for it, Batch environment and output in startup/', async () => {
    const key = uniqueId('start');
    const script = [
      scratch.mark(key),
      'echo "startup=$AZ_BATCH_NODE_STARTUP_DIR"',
      'echo "startupwd=$AZ_BATCH_NODE_STARTUP_WORKING_DIR"',
      'echo "taskdir=$AZ_BATCH_TASK_DIR"',
      'echo "wd=$AZ_BATCH_TASK_WORKING_DIR"',
      'echo "shared=$AZ_BATCH_NODE_SHARED_DIR"',
      'echo "root=$AZ_BATCH_NODE_ROOT_DIR"',
      'echo "pool=$AZ_BATCH_POOL_ID"',
      'echo "node=$AZ_BATCH_NODE_ID"',
      'echo "greeting=$GREETING"',
      'echo "job=${AZ_BATCH_JOB_ID-none} task=${AZ_BATCH_TASK_ID-none}"',
      'echo "pwd=$(pwd)"',
      'echo "uid=$(id -u)"',
      scratch.waitForGate(key),
    ].join('; ');
    const poolId = await addPool(client, {
      startTask: {
        commandLine: sh(script),
        environmentSettings: [{ name: 'GREETING', value: 'hello start' }],
        userIdentity: { autoUser: { scope: 'pool', elevationLevel: 'admin' } },
      },
    });
    const { nodeId, root } = await joinPool(poolId);
    const waiting = await nodeWhen(poolId, nodeId, (n) => n.state === 'waitingforstarttask', 'waiting');
    assert.equal(waiting.startTaskInfo?.state, 'running');
    assert.equal(waiting.startTaskInfo?.retryCount, 0);
    assert.ok(waiting.startTask?.commandLine.includes('GREETING'), 'the node shows the start task it runs');

    const [jobId, taskId] = await addJobTask(poolId);
    const why = await batchite.why(jobId, taskId);
    assert.equal(why.waitInfo?.code, 'NodesRunningStartTask', JSON.stringify(why));
    assert.equal((await client.task.get(jobId, taskId)).state, 'active');

    await scratch.open(key);
    const task = await waitFor(
      async () => {
        const current = await client.task.get(jobId, taskId);
        return current.state === 'completed' ? current : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'the task to run after the start task' },
    );
    const node = await nodeWhen(poolId, nodeId, (n) => n.state === 'idle', 'idle');
    const info = node.startTaskInfo;
    assert.equal(info?.state, 'completed');
    assert.equal(info?.result, 'success');
    assert.equal(info?.exitCode, 0);
    assert.ok(info?.endTime !== undefined && task.executionInfo?.startTime !== undefined);
    assert.ok(task.executionInfo.startTime >= info.endTime, 'the task started after the start task ended');

    const lines = Object.fromEntries(
      (await nodeFile(poolId, nodeId, 'startup/stdout.txt'))
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    assert.deepEqual(lines, {
      startup: join(root, 'startup'),
      startupwd: join(root, 'startup', 'wd'),
      taskdir: join(root, 'startup'),
      wd: join(root, 'startup', 'wd'),
      shared: join(root, 'shared'),
      root,
      pool: poolId,
      node: nodeId,
      greeting: 'hello start',
      job: 'none task=none',
      pwd: join(root, 'startup', 'wd'),
      uid: String(process.getuid?.()),
    });
    const names = (await client.file.listFromComputeNode(poolId, nodeId, { recursive: true })).map(
      (file) => file.name,
    );
    assert.ok(names.includes('startup/stderr.txt'), names.join());
  });

  void it('a failing start task is retried maxTaskRetryCount times, then the node is starttaskfailed and takes no task', async () => {
    const key = uniqueId('fail');
    const poolId = await addPool(client, {
      startTask: {
        commandLine: sh(`${scratch.mark(key)}; echo broken >&2; exit 3`),
        maxTaskRetryCount: 2,
        waitForSuccess: true,
      },
    });
    const { nodeId } = await joinPool(poolId);
    const node = await nodeWhen(poolId, nodeId, (n) => n.state === 'starttaskfailed', 'starttaskfailed');
    const info = node.startTaskInfo;
    assert.equal(info?.state, 'completed');
    assert.equal(info?.result, 'failure');
    assert.equal(info?.exitCode, 3);
    assert.equal(info?.retryCount, 2, 'two retries after the first attempt');
    assert.ok(info?.lastRetryTime !== undefined, 'lastRetryTime of the last retry');
    assert.equal(info?.failureInfo?.code, 'FailureExitCode');
    assert.equal(info?.failureInfo?.category, 'usererror');
    assert.equal(await scratch.runs(key), 3, 'three attempts ran');
    assert.equal((await nodeFile(poolId, nodeId, 'startup/stderr.txt')).trim(), 'broken');

    const [jobId, taskId] = await addJobTask(poolId);
    const why = await batchite.why(jobId, taskId);
    assert.equal(why.waitInfo?.code, 'StartTaskFailed', JSON.stringify(why));
    assert.equal(why.waitInfo?.outlook, 'needs-action');
    assert.equal((await client.task.get(jobId, taskId)).state, 'active');
    const after = await client.computeNode.get(poolId, nodeId);
    assert.equal(after.state, 'starttaskfailed');
    assert.equal(after.totalTasksRun, 0, 'nothing was scheduled on the failed node');
  });

  void it('without waitForSuccess the node is idle and takes tasks while the start task still runs', async () => {
    const key = uniqueId('nowait');
    const poolId = await addPool(client, {
      startTask: { commandLine: scratch.gated(key), waitForSuccess: false },
    });
    const { nodeId } = await joinPool(poolId);
    await scratch.waitForRuns(key, 1);
    const [jobId, taskId] = await addJobTask(poolId);
    await waitFor(async () => (await client.task.get(jobId, taskId)).state === 'completed', {
      timeoutMs: RUN_TIMEOUT_MS,
      what: 'the task to run beside the start task',
    });
    const during = await client.computeNode.get(poolId, nodeId);
    assert.equal(during.startTaskInfo?.state, 'running', 'the start task still runs');
    assert.ok(during.state === 'idle' || during.state === 'running', during.state);
    await scratch.open(key);
    const done = await nodeWhen(poolId, nodeId, (n) => n.startTaskInfo?.state === 'completed', 'done');
    assert.equal(done.startTaskInfo?.result, 'success');
  });

  void it('a pool start task update applies to nodes that join afterwards; a re-registered agent runs it again', async () => {
    const poolId = await addPool(client, { startTask: { commandLine: sh('echo first') } });
    const first = await joinPool(poolId);
    await nodeWhen(poolId, first.nodeId, (n) => n.state === 'idle', 'first node idle');
    assert.equal((await nodeFile(poolId, first.nodeId, 'startup/stdout.txt')).trim(), 'first');

    await client.pool.patch(poolId, { startTask: { commandLine: sh('echo second') } });
    const second = await joinPool(poolId);
    await nodeWhen(poolId, second.nodeId, (n) => n.state === 'idle', 'second node idle');
    assert.equal((await nodeFile(poolId, second.nodeId, 'startup/stdout.txt')).trim(), 'second');
    const unchanged = await client.computeNode.get(poolId, first.nodeId);
    assert.equal(unchanged.startTask?.commandLine, sh('echo first'), 'a running node keeps its boot’s task');
    assert.equal((await nodeFile(poolId, first.nodeId, 'startup/stdout.txt')).trim(), 'first');

    // The agent restarts (a reboot of the node): it registers again under its id and runs the current task.
    await first.agent.close();
    await joinPool(poolId, first.nodeId, first.root);
    const rebooted = await nodeWhen(
      poolId,
      first.nodeId,
      (n) => n.state === 'idle' && n.startTask?.commandLine === sh('echo second'),
      'first node back with the new start task',
    );
    assert.equal(rebooted.startTaskInfo?.result, 'success');
    assert.equal((await nodeFile(poolId, first.nodeId, 'startup/stdout.txt')).trim(), 'second');
  });

  void it('a node reboot runs the start task again (rebooting → starting → … → idle)', async () => {
    const key = uniqueId('reboot');
    const poolId = await addPool(client, { startTask: { commandLine: sh(scratch.mark(key)) } });
    const { nodeId } = await joinPool(poolId);
    await nodeWhen(poolId, nodeId, (n) => n.state === 'idle', 'idle after the first boot');
    assert.equal(await scratch.runs(key), 1);
    await client.computeNode.reboot(poolId, nodeId);
    await scratch.waitForRuns(key, 2);
    const node = await nodeWhen(
      poolId,
      nodeId,
      (n) => n.state === 'idle' && n.startTaskInfo?.state === 'completed',
      'idle after the reboot',
    );
    assert.equal(node.startTaskInfo?.result, 'success');
    assert.equal(await scratch.runs(key), 2, 'once per boot');
  });
});

void describe('pool start task on local nodes', () => {
  let server: TestServer;
  let client: BatchServiceClient;

  before(async () => {
    server = await startTestServer({ nodes: true });
    client = sdkClient(server);
  });

  after(async () => {
    await server.dispose();
  });

  void it('local nodes run it in their startup/ directory before taking tasks', async () => {
    const poolId = await addPool(client, {
      targetDedicatedNodes: 1,
      startTask: { commandLine: sh('echo "ran in $AZ_BATCH_TASK_WORKING_DIR"') },
    });
    const node = await waitFor(
      async () => {
        const nodes = [...(await client.computeNode.list(poolId))];
        return nodes.length === 1 && nodes[0]?.state === 'idle' ? nodes[0] : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'the local node to run its start task and become idle' },
    );
    assert.equal(node.startTaskInfo?.result, 'success');
    const file = await client.file.getFromComputeNode(poolId, node.id ?? '', 'startup/stdout.txt');
    const out = (await readAll(file.readableStreamBody)).toString('utf8').trim();
    assert.match(out, /^ran in \/.+\/startup\/wd$/);
  });
});
