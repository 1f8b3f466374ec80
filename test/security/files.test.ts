/**
 * Issue 12, point 1: a task's files never leave its directory, symbolic links included. A real task plants
 * links to `/etc`, to a victim directory, to `..`/`../..` and to another task's directory, at the first, a middle
 * and the last component of a path, plus a FIFO; then the Batch file API is attacked through them: get,
 * properties (HEAD), recursive list and (recursive) delete. Both where files are read: a local node (the server
 * reads its data directory) and a remote agent (the server proxies to the agent's file server).
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CloudTask } from '@azure/batch';
import type { RunningAgent } from '@batchite/agent';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { localNodeRoot, nodeIdOf } from '../support/node-roots.js';
import {
  addRunJob,
  sh,
  taskInState,
  waitForIdleNodes,
  withRunner,
  type Runner,
} from '../execution/helpers.js';
import {
  ATTACK_LINKS,
  attackScript,
  escapingPaths,
  exists,
  fileRequest,
  makeTempDir,
  makeVictim,
  startRemoteAgent,
  victimIntact,
  type Victim,
} from './files-support.js';

interface Where {
  /** Pool the job runs on. */
  poolId: string;
  /** Node root of the node that runs the tasks. */
  /** The root of node `nodeId`, where its task directories are. */
  rootOf: (nodeId: string) => string;
}

interface Attack {
  jobId: string;
  taskId: string;
  otherTaskId: string;
  taskDir: string;
  otherTaskDir: string;
  victim: Victim;
}

async function runAttack(runner: Runner, where: Where, scratch: string): Promise<Attack> {
  const victim = await makeVictim(scratch);
  const jobId = await addRunJob(runner, { poolInfo: { poolId: where.poolId } });
  const otherTaskId = uniqueId('other');
  const taskId = uniqueId('attacker');
  const dirOf = (task: CloudTask, id: string) =>
    join(where.rootOf(nodeIdOf(task)), 'workitems', jobId, 'job-1', id);
  await runner.client.task.add(jobId, { id: otherTaskId, commandLine: sh('echo secret > secret.txt') });
  const other = await taskInState(runner, jobId, otherTaskId, 'completed');
  const otherTaskDir = dirOf(other, otherTaskId);
  await runner.client.task.add(jobId, { id: taskId, commandLine: sh(attackScript(victim, otherTaskDir)) });
  const task = await taskInState(runner, jobId, taskId, 'completed');
  assert.equal(task.executionInfo?.exitCode, 0, 'the attack script ran');
  return { jobId, taskId, otherTaskId, taskDir: dirOf(task, taskId), otherTaskDir, victim };
}

function errorCode(json: unknown): unknown {
  return (json as { code?: unknown } | undefined)?.code;
}

function attackSuite(name: string, runner: Runner, where: () => Promise<Where>): void {
  void describe(name, () => {
    let scratch: string;
    let attack: Attack;

    before(async () => {
      scratch = await makeTempDir('batchite-files-attack-');
      attack = await runAttack(runner, await where(), scratch);
    });
    after(() => rm(scratch, { recursive: true, force: true }));

    void it('serves the task own files (the attack did not break the API)', async () => {
      const read = await fileRequest(runner.server, 'GET', attack.jobId, attack.taskId, 'wd/real/in.txt');
      assert.equal(read.status, 200);
      assert.equal(read.text, 'inside\n');
    });

    void it('GET and HEAD through a link at any component are 404 FileNotFound', async () => {
      for (const path of escapingPaths(attack.otherTaskId)) {
        const got = await fileRequest(runner.server, 'GET', attack.jobId, attack.taskId, path);
        assert.equal(got.status, 404, `GET ${path} answered ${got.status}: ${got.text.slice(0, 80)}`);
        assert.equal(errorCode(got.json), 'FileNotFound', `GET ${path}`);
        assert.ok(!got.text.includes('root:'), `GET ${path} leaked /etc/passwd`);
        const head = await fileRequest(runner.server, 'HEAD', attack.jobId, attack.taskId, path);
        assert.equal(head.status, 404, `HEAD ${path}`);
      }
    });

    void it('a recursive list omits every link and everything behind one', async () => {
      const list = await runner.client.file.listFromTask(attack.jobId, attack.taskId, { recursive: true });
      const names = list.map((file) => file.name ?? '');
      assert.ok(names.includes('wd/real/in.txt'), `own file listed: ${names.join(', ')}`);
      for (const link of [...ATTACK_LINKS, 'wd/fifo']) {
        const leaked = names.filter((n) => n === link || n.startsWith(`${link}/`));
        assert.deepEqual(leaked, [], `${link} or what is behind it is listed`);
      }
      const top = await runner.client.file.listFromTask(attack.jobId, attack.taskId, { recursive: false });
      assert.deepEqual(
        top.map((file) => file.name).filter((n) => n === 'first' || n === 'firstv'),
        [],
      );
    });

    void it('DELETE through a link is 404 and removes nothing outside the task', async () => {
      const { jobId, taskId, otherTaskId, victim } = attack;
      for (const [path, recursive] of [
        ['wd/v/sub', true],
        ['wd/v/keep.txt', false],
        ['firstv/keep.txt', false],
        ['firstv/sub', true],
        ['wd/real/v/sub', true],
        [`wd/up/${otherTaskId}/wd/secret.txt`, false],
        ['wd/other/wd', true],
      ] as const) {
        const query: Record<string, string> = recursive ? { recursive: 'true' } : {};
        const res = await fileRequest(runner.server, 'DELETE', jobId, taskId, path, query);
        assert.equal(res.status, 404, `DELETE ${path} answered ${res.status}`);
        assert.equal(errorCode(res.json), 'FileNotFound', `DELETE ${path}`);
      }
      assert.ok(await victimIntact(victim), 'the victim files are untouched');
      assert.equal(await readFile(join(attack.otherTaskDir, 'wd', 'secret.txt'), 'utf8'), 'secret\n');
    });

    void it('a recursive delete removes links as links, never their targets', async () => {
      const { jobId, taskId, victim } = attack;
      const res = await fileRequest(runner.server, 'DELETE', jobId, taskId, 'wd/real', { recursive: 'true' });
      assert.equal(res.status, 200, res.text);
      assert.equal(await exists(join(attack.taskDir, 'wd', 'real')), false, 'wd/real is gone');
      assert.ok(await victimIntact(victim), 'the victim files are untouched');
    });

    void it('deleting a link removes the link itself, not what it points to', async () => {
      const { jobId, taskId, victim } = attack;
      for (const [path, recursive] of [
        ['wd/v', true],
        ['firstv', false],
        ['wd/other', true],
      ] as const) {
        const query: Record<string, string> = recursive ? { recursive: 'true' } : {};
        const res = await fileRequest(runner.server, 'DELETE', jobId, taskId, path, query);
        assert.equal(res.status, 200, `DELETE ${path}: ${res.text}`);
        const onDisk = path === 'firstv' ? join(attack.taskDir, 'firstv') : join(attack.taskDir, path);
        assert.equal(await exists(onDisk), false, `${path} (the link) is gone`);
      }
      assert.ok(await victimIntact(victim), 'the victim files are untouched');
      assert.equal(await readFile(join(attack.otherTaskDir, 'wd', 'secret.txt'), 'utf8'), 'secret\n');
    });
  });
}

void describe('task files never leave the task directory (issue 12, point 1)', () => {
  let agent: RunningAgent | undefined;
  let remoteRoot: string | undefined;
  // Registered before the runner's: the agent leaves while the server still answers.
  after(async () => {
    await agent?.close();
    if (remoteRoot !== undefined) await rm(remoteRoot, { recursive: true, force: true });
  });
  const runner = withRunner({ slots: 1 });
  attackSuite('through a local node (files read by the server)', runner, () =>
    Promise.resolve({
      poolId: runner.poolId,
      rootOf: (nodeId: string) => localNodeRoot(runner.server.dataDir, nodeId),
    }),
  );
  attackSuite('through a remote agent (files read by its file server)', runner, async () => {
    remoteRoot = await makeTempDir('batchite-remote-node-');
    const poolId = await addPool(runner.client, { targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
    agent = await startRemoteAgent(runner.server, poolId, remoteRoot);
    await waitForIdleNodes(runner.client, poolId, 1);
    const root = remoteRoot;
    return { poolId, rootOf: () => root };
  });
});
