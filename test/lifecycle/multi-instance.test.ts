/**
 * Multi-instance tasks with real agents, through the official SDK: the task's nodes are reserved together; the
 * coordination command runs on every instance (each leaves a marker in AZ_BATCH_TASK_SHARED_DIR), then the
 * application command on the primary only; the multi-instance variables are set; subtasksinfo lists the
 * subtasks with their states and exit codes; a failing coordination command fails the task; a task that asks
 * more nodes than the pool has waits and runs once the pool grows. Add-time refusals come first.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { RestError } from '@azure/ms-rest-js';
import { BatchClient } from '@batchite/client';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import {
  addRunJob,
  readAll,
  RUN_TIMEOUT_MS,
  sh,
  taskInState,
  waitForIdleNodes,
  withRunner,
  type Runner,
} from '../execution/helpers.js';

const NODES = 3;

function detailsOf(error: RestError): Record<string, string> {
  const values = (error.body as { values?: { key: string; value: string }[] }).values ?? [];
  return Object.fromEntries(values.map(({ key, value }) => [key, value]));
}

/** Lines of a scratch file (none yet: empty). */
async function linesOf(runner: Runner, name: string): Promise<string[]> {
  try {
    return (await readFile(runner.scratch.path(name), 'utf8')).split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/**
 * The process of the local node's agent (`batchite agent … --node-id <nodeId>`), found in /proc: the task's
 * parent is not necessarily the agent (the agent may start tasks through a launcher that measures them).
 */
async function agentPid(nodeId: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = args.indexOf('--node-id');
    if (args.includes('agent') && at >= 0 && args[at + 1] === nodeId) return Number(entry);
  }
  throw new Error(`no agent process for node ${nodeId}`);
}

/** The coordination command: a marker in the shared dir, then one line per instance in `<key>.coord`. */
function coordination(runner: Runner, key: string, script = ''): string {
  const log = runner.scratch.path(`${key}.coord`);
  return sh(
    `umask 0; echo "$AZ_BATCH_NODE_ID" > "$AZ_BATCH_TASK_SHARED_DIR/marker"; ` +
      `echo "$AZ_BATCH_NODE_ID $AZ_BATCH_IS_CURRENT_NODE_MASTER" >> "${log}"; ` +
      `${script}`,
  );
}

/** The application command: its environment and the coordination lines it saw, in `<key>.app`. */
function application(runner: Runner, key: string): string {
  const out = runner.scratch.path(`${key}.app`);
  return sh(
    `umask 0; { echo "node=$AZ_BATCH_NODE_ID"; echo "master=$AZ_BATCH_IS_CURRENT_NODE_MASTER"; ` +
      `echo "hosts=$AZ_BATCH_HOST_LIST"; echo "nodes=$AZ_BATCH_NODE_LIST"; ` +
      `echo "masternode=$AZ_BATCH_MASTER_NODE"; echo "ccp=$CCP_NODES"; ` +
      `echo "shared=$AZ_BATCH_TASK_SHARED_DIR"; echo "taskdir=$AZ_BATCH_TASK_DIR"; ` +
      `echo "marker=$(cat "$AZ_BATCH_TASK_SHARED_DIR/marker")"; } >> "${out}"`,
  );
}

async function subtasks(runner: Runner, jobId: string, taskId: string) {
  return (await runner.client.task.listSubtasks(jobId, taskId)).value ?? [];
}

void describe('multi-instance tasks', () => {
  const runner = withRunner({ nodes: NODES, slots: 1 });

  void it('3 instances on 3 nodes: coordination on all, application on the primary only, env, subtasksinfo', async () => {
    const jobId = await addRunJob(runner);
    const id = uniqueId('mi');
    await runner.client.task.add(jobId, {
      id,
      commandLine: application(runner, id),
      multiInstanceSettings: { numberOfInstances: 3, coordinationCommandLine: coordination(runner, id) },
    });
    const task = await taskInState(runner, jobId, id, 'completed');
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    assert.equal(task.multiInstanceSettings?.numberOfInstances, 3);
    const primary = task.nodeInfo?.nodeId ?? '';

    const coordinated = await linesOf(runner, `${id}.coord`);
    const coordinatedNodes = coordinated.map((line) => line.split(' ')[0]).sort();
    assert.equal(
      new Set(coordinatedNodes).size,
      3,
      `coordination on 3 distinct nodes: ${coordinated.join('|')}`,
    );
    assert.ok(coordinated.includes(`${primary} true`), 'the primary ran the coordination command too');
    assert.equal(coordinated.filter((line) => line.endsWith(' false')).length, 2);

    const app = await linesOf(runner, `${id}.app`);
    const values = Object.fromEntries(
      app.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    assert.equal(app.filter((line) => line.startsWith('node=')).length, 1, 'application ran once');
    assert.equal(values.node, primary);
    assert.equal(values.master, 'true');
    assert.equal(values.marker, primary, 'the primary reads its own coordination marker');
    assert.equal(values.shared, values.taskdir);
    const hosts = (values.hosts ?? '').split(',');
    assert.equal(hosts.length, 3);
    assert.equal(values.nodes, hosts.join(';'));
    assert.equal(values.masternode, `${hosts[0]}:6000`);
    assert.equal(values.ccp, `3 ${hosts.map((host) => `${host} 1`).join(' ')}`);

    const subs = await subtasks(runner, jobId, id);
    assert.deepEqual(
      subs.map((sub) => sub.id),
      [1, 2],
    );
    const subNodes = subs.map((sub) => sub.nodeInfo?.nodeId ?? '');
    assert.deepEqual([primary, ...subNodes].sort(), coordinatedNodes);
    for (const sub of subs) {
      assert.equal(sub.state, 'completed');
      assert.equal(sub.exitCode, 0);
      assert.equal(sub.result, 'success');
      assert.ok(sub.startTime !== undefined && sub.endTime !== undefined);
      // Each subtask's marker is in its own node's task directory, readable through the node files API.
      const marker = await runner.client.file.getFromComputeNode(
        runner.poolId,
        sub.nodeInfo?.nodeId ?? '',
        `workitems/${jobId}/job-1/${id}/marker`,
      );
      assert.equal((await readAll(marker.readableStreamBody)).toString().trim(), sub.nodeInfo?.nodeId);
    }
    // The nodes are free again: an ordinary task runs.
    await waitForIdleNodes(runner.client, runner.poolId, NODES);
  });

  void it('a failing coordination command fails the task with failureInfo; the application never runs', async () => {
    const jobId = await addRunJob(runner);
    const id = uniqueId('mi');
    await runner.client.task.add(jobId, {
      id,
      commandLine: application(runner, id),
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: coordination(
          runner,
          id,
          'test "$AZ_BATCH_IS_CURRENT_NODE_MASTER" = true || exit 3',
        ),
      },
    });
    const task = await taskInState(runner, jobId, id, 'completed');
    assert.equal(task.executionInfo?.result, 'failure');
    assert.equal(task.executionInfo?.exitCode, 3);
    assert.equal(task.executionInfo?.failureInfo?.code, 'FailureExitCode');
    assert.deepEqual(await linesOf(runner, `${id}.app`), [], 'no application run');
    const [sub] = await subtasks(runner, jobId, id);
    assert.equal(sub?.state, 'completed');
    assert.equal(sub?.exitCode, 3);
    assert.equal(sub?.result, 'failure');
    assert.equal(sub?.failureInfo?.code, 'FailureExitCode');
    await waitForIdleNodes(runner.client, runner.poolId, NODES);
  });

  void it('a bad common resource file gets the resource-file 400; requiredSlots must be 1', async () => {
    const jobId = await addRunJob(runner);
    const settings = {
      numberOfInstances: 2,
      coordinationCommandLine: '/bin/true',
      commonResourceFiles: [{ httpUrl: 'http://127.0.0.1:9/input.txt', filePath: '../input.txt' }],
    };
    const id = uniqueId('mi');
    const error = await expectBatchError(
      runner.client.task.add(jobId, { id, commandLine: '/bin/true', multiInstanceSettings: settings }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    assert.match(detailsOf(error).PropertyName ?? '', /^multiInstanceSettings\.commonResourceFiles/);
    await expectRestStatus(runner.client.task.get(jobId, id), 404);
    const slots = await expectBatchError(
      runner.client.task.add(jobId, {
        id,
        commandLine: '/bin/true',
        requiredSlots: 2,
        multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: '/bin/true' },
      }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    assert.equal(detailsOf(slots).PropertyName, 'requiredSlots');
  });

  void it('a job with a preparation task refuses multi-instance tasks (400 naming multiInstanceSettings)', async () => {
    const jobId = await addRunJob(runner, { jobPreparationTask: { commandLine: '/bin/true' } });
    const result = await runner.client.task.addCollection(jobId, [
      {
        id: uniqueId('mi'),
        commandLine: '/bin/true',
        multiInstanceSettings: { numberOfInstances: 1, coordinationCommandLine: '/bin/true' },
      },
    ]);
    const [item] = result.value ?? [];
    assert.equal(item?.status, 'clienterror');
    assert.equal(item?.error?.code, 'UnsupportedProperty');
    assert.equal(
      item?.error?.values?.find((value) => value.key === 'PropertyName')?.value,
      'multiInstanceSettings',
    );
  });

  void it('a subtask node lost mid-run requeues the whole task (no retry spent); it runs again to success', async () => {
    const jobId = await addRunJob(runner);
    const id = uniqueId('mi');
    const key = `${id}-app`;
    await runner.client.task.add(jobId, {
      id,
      commandLine: runner.scratch.gated(key),
      multiInstanceSettings: { numberOfInstances: NODES, coordinationCommandLine: coordination(runner, id) },
    });
    await runner.scratch.waitForRuns(key, 1);
    const [lost] = await subtasks(runner, jobId, id);
    const nodeId = lost?.nodeInfo?.nodeId ?? '';
    // Kill the subtask node's agent as a machine would die.
    process.kill(await agentPid(nodeId), 'SIGKILL');
    // The application is killed and placed again once the node is back: a second run of it.
    await runner.scratch.waitForRuns(key, 2, { timeoutMs: 4 * RUN_TIMEOUT_MS });
    await runner.scratch.open(key);
    const task = await taskInState(runner, jobId, id, 'completed');
    assert.equal(task.executionInfo?.result, 'success');
    assert.equal(task.executionInfo?.retryCount, 0, 'a lost node spends no retry');
    assert.equal((await linesOf(runner, `${id}.coord`)).length, 2 * NODES, 'coordination ran again on all');
    await waitForIdleNodes(runner.client, runner.poolId, NODES);
  });

  void it('more instances than nodes: the task waits active, then runs once the pool grows', async () => {
    const jobId = await addRunJob(runner);
    const id = uniqueId('mi');
    await runner.client.task.add(jobId, {
      id,
      commandLine: application(runner, id),
      multiInstanceSettings: {
        numberOfInstances: NODES + 1,
        coordinationCommandLine: coordination(runner, id),
      },
    });
    // An ordinary task added after it still runs: the waiting task holds no node.
    const plain = uniqueId('plain');
    await runner.client.task.add(jobId, { id: plain, commandLine: '/bin/true' });
    await taskInState(runner, jobId, plain, 'completed');
    assert.equal((await runner.client.task.get(jobId, id)).state, 'active');
    assert.deepEqual(await linesOf(runner, `${id}.coord`), []);
    assert.deepEqual(await subtasks(runner, jobId, id), []);
    const why = await new BatchClient({
      endpoint: runner.server.url,
      accountName: runner.server.accountName,
      accountKey: runner.server.accountKey,
    }).why(jobId, id);
    assert.equal(why.waitInfo?.code, 'NotEnoughNodes', JSON.stringify(why));
    assert.equal(why.waitInfo?.outlook, 'needs-action');
    await runner.client.pool.resize(runner.poolId, { targetDedicatedNodes: NODES + 1 });
    const task = await taskInState(runner, jobId, id, 'completed', { timeoutMs: 2 * RUN_TIMEOUT_MS });
    assert.equal(task.executionInfo?.result, 'success');
    assert.equal((await linesOf(runner, `${id}.coord`)).length, NODES + 1);
    assert.equal((await subtasks(runner, jobId, id)).length, NODES);
    await waitFor(async () => (await linesOf(runner, `${id}.app`)).length > 0, {
      timeoutMs: RUN_TIMEOUT_MS,
      what: 'application output',
    });
  });
});
