/**
 * Compute Node - Reboot and Reimage through the official SDK, on a real local node and a real remote agent:
 * the node goes `rebooting`/`reimaging` and comes back `idle` with a new `lastBootTime` once its agent has
 * registered again; a running task is requeued (no retry spent), terminated (TaskEnded) or waited for, as the
 * option says; a reboot keeps the node's files, a reimage wipes them; bad options, states and nodes are refused.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BatchServiceModels } from '@azure/batch';
import type { RunningAgent } from '@batchite/agent';
import { BatchClient } from '@batchite/client';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { localNodeRoot, nodeIdOf } from '../support/node-roots.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { waitFor } from '../support/wait.js';
import {
  addRunJob,
  RUN_TIMEOUT_MS,
  sh,
  taskInState,
  waitForIdleNodes,
  withRunner,
  type Runner,
} from '../execution/helpers.js';
import { makeTempDir, startRemoteAgent } from '../security/files-support.js';

type Kind = 'reboot' | 'reimage';

/**
 * Restarts the node and watches it until it has booted again (new lastBootTime, idle or already running a
 * task): the states it went through, in order, without repeats.
 */
async function restart(
  runner: Runner,
  poolId: string,
  nodeId: string,
  kind: Kind,
  option?: BatchServiceModels.ComputeNodeRebootOption,
): Promise<string[]> {
  const { client } = runner;
  const before = await client.computeNode.get(poolId, nodeId);
  const answer =
    kind === 'reboot'
      ? await client.computeNode.reboot(
          poolId,
          nodeId,
          option === undefined ? {} : { nodeRebootOption: option },
        )
      : await client.computeNode.reimage(
          poolId,
          nodeId,
          option === undefined ? {} : { nodeReimageOption: option },
        );
  assert.equal(answer._response.status, 202);
  const states: string[] = [];
  await waitFor(
    async () => {
      const node = await client.computeNode.get(poolId, nodeId);
      if (states.at(-1) !== node.state) states.push(node.state ?? '');
      const booted = node.lastBootTime?.getTime() !== before.lastBootTime?.getTime();
      return booted && (node.state === 'idle' || node.state === 'running');
    },
    { timeoutMs: RUN_TIMEOUT_MS, what: `node ${nodeId} back from ${kind}`, lastSeen: () => states },
  );
  return states;
}

/** First `rebooting`/`reimaging`, then only idle or running (the requeued task taken again). */
function assertBackFrom(states: string[], first: string): void {
  assert.equal(states[0], first, states.join(' → '));
  assert.ok(states.length > 1, states.join(' → '));
  for (const state of states.slice(1)) assert.ok(state === 'idle' || state === 'running', states.join(' → '));
}

/** A task that writes `kept.txt` in its working directory, then waits for its gate. */
async function addGatedTask(runner: Runner, jobId: string): Promise<string> {
  const taskId = uniqueId('rb');
  const script = `echo kept > kept.txt; ${runner.scratch.mark(taskId)}; ${runner.scratch.waitForGate(taskId)}`;
  await runner.client.task.add(jobId, { id: taskId, commandLine: sh(script) });
  await runner.scratch.waitForRuns(taskId, 1);
  return taskId;
}

async function runningNode(runner: Runner, jobId: string, taskId: string): Promise<string> {
  return nodeIdOf(await taskInState(runner, jobId, taskId, 'running'));
}

void describe('node reboot and reimage (issue 14, item 5)', () => {
  const runner = withRunner({ slots: 1 });

  void it('reboot (requeue): rebooting → idle, the running task requeued without a retry, files kept', async () => {
    const { client, poolId, scratch } = runner;
    const jobId = await addRunJob(runner, { constraints: { maxTaskRetryCount: 0 } });
    const taskId = await addGatedTask(runner, jobId);
    const nodeId = await runningNode(runner, jobId, taskId);
    // Back from the reboot, the node takes the requeued task (it may or may not be seen idle in between).
    assertBackFrom(await restart(runner, poolId, nodeId, 'reboot'), 'rebooting');
    await scratch.waitForRuns(taskId, 2);
    await scratch.open(taskId);
    const done = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(done.executionInfo?.exitCode, 0);
    assert.equal(done.executionInfo?.retryCount, 0);
    assert.equal(done.executionInfo?.requeueCount, 1);
    const kept = await client.file.getPropertiesFromComputeNode(
      poolId,
      nodeId,
      `workitems/${jobId}/job-1/${taskId}/wd/kept.txt`,
    );
    assert.equal(kept.contentLength, 'kept\n'.length);
  });

  void it('reboot (terminate): the running task completes with TaskEnded and does not run again', async () => {
    const { poolId, scratch } = runner;
    const jobId = await addRunJob(runner, { constraints: { maxTaskRetryCount: 3 } });
    const taskId = await addGatedTask(runner, jobId);
    const nodeId = await runningNode(runner, jobId, taskId);
    assert.deepEqual(await restart(runner, poolId, nodeId, 'reboot', 'terminate'), ['rebooting', 'idle']);
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
    assert.equal(task.executionInfo?.result, 'failure');
    assert.equal(task.executionInfo?.retryCount, 0);
    assert.equal(await scratch.runs(taskId), 1);
  });

  void it('reboot (taskCompletion): waits for the running task, takes no new one; a second reboot is 409', async () => {
    const { client, poolId, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = await addGatedTask(runner, jobId);
    const nodeId = await runningNode(runner, jobId, taskId);
    const before = await client.computeNode.get(poolId, nodeId);
    const answer = await client.computeNode.reboot(poolId, nodeId, { nodeRebootOption: 'taskcompletion' });
    assert.equal(answer._response.status, 202);
    const next = uniqueId('next');
    await client.task.add(jobId, { id: next, commandLine: sh('exit 0') });
    await expectBatchError(client.computeNode.reboot(poolId, nodeId), {
      statusCode: 409,
      code: 'NodeBeingRebooted',
    });
    await expectBatchError(client.computeNode.reimage(poolId, nodeId), {
      statusCode: 409,
      code: 'NodeBeingRebooted',
    });
    // The task keeps running through several heartbeats while the node is rebooting.
    await scratch.waitForTicks(taskId, 60);
    assert.equal((await client.computeNode.get(poolId, nodeId)).state, 'rebooting');
    assert.equal((await client.task.get(jobId, taskId)).state, 'running');
    assert.equal((await client.task.get(jobId, next)).state, 'active');
    await scratch.open(taskId);
    const done = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(done.executionInfo?.exitCode, 0);
    assert.equal(done.executionInfo?.requeueCount, 0);
    await waitFor(
      async () => {
        const node = await client.computeNode.get(poolId, nodeId);
        return node.lastBootTime?.getTime() !== before.lastBootTime?.getTime();
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: 'the node rebooted after its task' },
    );
    await taskInState(runner, jobId, next, 'completed');
  });

  void it('reimage: reimaging → idle, the node directories wiped (workitems, shared), the task requeued', async () => {
    const { client, poolId, scratch, server } = runner;
    const jobId = await addRunJob(runner);
    const taskId = await addGatedTask(runner, jobId);
    const nodeId = await runningNode(runner, jobId, taskId);
    const shared = join(localNodeRoot(server.dataDir, nodeId), 'shared');
    await writeFile(join(shared, 'left-by-a-start-task.txt'), 'x');
    await client.file.getPropertiesFromComputeNode(poolId, nodeId, 'shared/left-by-a-start-task.txt');
    assertBackFrom(await restart(runner, poolId, nodeId, 'reimage'), 'reimaging');
    await expectRestStatus(
      client.file.getPropertiesFromComputeNode(poolId, nodeId, 'shared/left-by-a-start-task.txt'),
      404,
    );
    const top = (await client.file.listFromComputeNode(poolId, nodeId)).map((f) => f.name).sort();
    assert.deepEqual(top, ['shared', 'startup', 'workitems']);
    // The task runs again on the new disk: its earlier kept.txt was gone before it wrote a new one.
    await scratch.waitForRuns(taskId, 2);
    await scratch.open(taskId);
    const done = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(done.executionInfo?.retryCount, 0);
    assert.equal(done.executionInfo?.requeueCount, 1);
  });

  void it('job preparation reruns after a reboot by default (rerunOnNodeRebootAfterSuccess true)', async () => {
    const { client, poolId } = runner;
    const jobId = uniqueId('prep');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId },
      jobPreparationTask: { commandLine: sh('echo prep') },
    });
    const first = uniqueId('t');
    await client.task.add(jobId, { id: first, commandLine: sh('exit 0') });
    const nodeId = nodeIdOf(await taskInState(runner, jobId, first, 'completed'));
    const prepOnNode = async () =>
      (await client.job.listPreparationAndReleaseTaskStatus(jobId)).find((s) => s.nodeId === nodeId)
        ?.jobPreparationTaskExecutionInfo;
    const firstPrep = (await prepOnNode())?.startTime?.getTime();
    assert.ok(firstPrep !== undefined);
    assert.equal((await client.job.get(jobId)).jobPreparationTask?.rerunOnNodeRebootAfterSuccess, true);
    await restart(runner, poolId, nodeId, 'reboot');
    const afterReboot = uniqueId('t');
    await client.task.add(jobId, { id: afterReboot, commandLine: sh('exit 0') });
    const task = await taskInState(runner, jobId, afterReboot, 'completed');
    assert.equal(task.executionInfo?.exitCode, 0);
    const again = await prepOnNode();
    assert.ok((again?.startTime?.getTime() ?? 0) > firstPrep, 'the reboot reran the preparation');
    assert.equal(again?.state, 'completed');
    assert.equal(again?.result, 'success');
  });

  void it('job preparation reruns after a reimage even with rerunOnNodeRebootAfterSuccess false', async () => {
    const { client, poolId } = runner;
    const jobId = uniqueId('prep');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId },
      jobPreparationTask: { commandLine: sh('echo prep'), rerunOnNodeRebootAfterSuccess: false },
    });
    const first = uniqueId('t');
    await client.task.add(jobId, { id: first, commandLine: sh('exit 0') });
    const nodeId = nodeIdOf(await taskInState(runner, jobId, first, 'completed'));
    const prepTimes = async () => {
      const list = await client.job.listPreparationAndReleaseTaskStatus(jobId);
      return list.find((s) => s.nodeId === nodeId)?.jobPreparationTaskExecutionInfo?.startTime?.getTime();
    };
    const firstPrep = await prepTimes();
    assert.ok(firstPrep !== undefined);
    await restart(runner, poolId, nodeId, 'reboot');
    const afterReboot = uniqueId('t');
    await client.task.add(jobId, { id: afterReboot, commandLine: sh('exit 0') });
    await taskInState(runner, jobId, afterReboot, 'completed');
    assert.equal(
      await prepTimes(),
      firstPrep,
      'a reboot does not rerun it (rerunOnNodeRebootAfterSuccess false)',
    );
    await restart(runner, poolId, nodeId, 'reimage');
    const afterReimage = uniqueId('t');
    await client.task.add(jobId, { id: afterReimage, commandLine: sh('exit 0') });
    await taskInState(runner, jobId, afterReimage, 'completed');
    const again = await prepTimes();
    assert.ok(again !== undefined && again > firstPrep, 'a reimage reruns it');
  });

  void it('refuses a bad option, retainedData, an unknown node and an unknown pool', async () => {
    const { client, poolId, server } = runner;
    const [node] = await client.computeNode.list(poolId);
    const nodeId = node?.id ?? '';
    for (const kind of ['reboot', 'reimage'] as const) {
      const property = kind === 'reboot' ? 'nodeRebootOption' : 'nodeReimageOption';
      const bad = await rawRequest(server, {
        method: 'POST',
        path: `/pools/${poolId}/nodes/${nodeId}/${kind}`,
        body: { [property]: 'sometime' },
      });
      assertBatchErrorResponse(bad, { status: 400, code: 'InvalidPropertyValue' });
      const retained = await rawRequest(server, {
        method: 'POST',
        path: `/pools/${poolId}/nodes/${nodeId}/${kind}`,
        body: { [property]: 'retainedData' },
      });
      assertBatchErrorResponse(retained, { status: 400, code: 'UnsupportedProperty' });
      assert.match(retained.text, new RegExp(property));
    }
    await expectBatchError(client.computeNode.reboot(poolId, 'tvm-no-such-node'), {
      statusCode: 404,
      code: 'NodeNotFound',
    });
    await expectBatchError(client.computeNode.reimage(uniqueId('nopool'), nodeId), {
      statusCode: 404,
      code: 'PoolNotFound',
    });
    assert.equal((await client.computeNode.get(poolId, nodeId)).state, 'idle');
  });
});

void describe('node reboot and reimage with the Batchite client', () => {
  const runner = withRunner({ slots: 1 });

  void it('rebootNode and reimageNode: 202, a second order while restarting is invalidOperation', async () => {
    const { url, accountName, accountKey } = runner.server;
    const client = new BatchClient({ endpoint: url, accountName, accountKey });
    const { poolId } = runner;
    const [node] = await runner.client.computeNode.list(poolId);
    const nodeId = node?.id ?? '';
    const before = node?.lastBootTime?.getTime();
    await client.rebootNode(poolId, nodeId, { nodeRebootOption: 'taskcompletion' });
    await assert.rejects(client.reimageNode(poolId, nodeId), {
      code: 'NodeBeingRebooted',
      statusCode: 409,
      kind: 'invalidOperation',
    });
    await waitForIdleNodes(runner.client, poolId, 1);
    const rebooted = await runner.client.computeNode.get(poolId, nodeId);
    assert.notEqual(rebooted.lastBootTime?.getTime(), before);
    await client.reimageNode(poolId, nodeId, { nodeReimageOption: 'requeue' });
    await assert.rejects(client.rebootNode(poolId, nodeId), { code: 'NodeBeingReimaged', statusCode: 409 });
    await assert.rejects(client.rebootNode(poolId, 'tvm-no-such-node'), {
      code: 'NodeNotFound',
      statusCode: 404,
    });
  });
});

void describe('node reboot and reimage of a remote agent', () => {
  const runner = withRunner({ slots: 1 });
  let agent: RunningAgent | undefined;
  let root: string | undefined;
  after(async () => {
    await agent?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  void it('reboot keeps its files, reimage wipes them; it comes back under the same node id', async () => {
    const { client } = runner;
    root = await makeTempDir('batchite-remote-reboot-');
    const poolId = await addPool(client, { targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
    agent = await startRemoteAgent(runner.server, poolId, root);
    await waitForIdleNodes(client, poolId, 1);
    const jobId = await addRunJob(runner, { poolInfo: { poolId } });
    const taskId = uniqueId('remote');
    await client.task.add(jobId, { id: taskId, commandLine: sh('echo kept > kept.txt') });
    const nodeId = nodeIdOf(await taskInState(runner, jobId, taskId, 'completed'));
    assert.equal(agent.nodeId, nodeId);
    const kept = `workitems/${jobId}/job-1/${taskId}/wd/kept.txt`;
    await mkdir(join(root, 'shared'), { recursive: true });
    await writeFile(join(root, 'shared', 'note.txt'), 'x');
    assert.deepEqual(await restart(runner, poolId, nodeId, 'reboot'), ['rebooting', 'idle']);
    await client.file.getPropertiesFromComputeNode(poolId, nodeId, kept);
    await client.file.getPropertiesFromComputeNode(poolId, nodeId, 'shared/note.txt');
    assert.deepEqual(await restart(runner, poolId, nodeId, 'reimage'), ['reimaging', 'idle']);
    await expectRestStatus(client.file.getPropertiesFromComputeNode(poolId, nodeId, kept), 404);
    await expectRestStatus(client.file.getPropertiesFromComputeNode(poolId, nodeId, 'shared/note.txt'), 404);
    assert.equal(agent.nodeId, nodeId);
    assert.equal((await client.computeNode.list(poolId)).length, 1);
  });
});
