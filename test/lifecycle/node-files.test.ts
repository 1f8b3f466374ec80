/**
 * Node files (`GET/HEAD/DELETE /pools/{p}/nodes/{n}/files…`) through the official SDK: after a real run the
 * node's `workitems/` tree holds the task's files, the node root shows only `shared/`, `startup/` and
 * `workitems/`, and raw signed requests cannot leave those areas (the agent's `.agent/`, the data directory,
 * `..` in any form). Both where files are read: a local node and a remote agent's file server.
 */
import assert from 'node:assert/strict';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningAgent } from '@batchite/agent';
import { BatchClient } from '@batchite/client';
import { addPool } from '../support/fixtures.js';
import { expectRestStatus } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { nodeIdOf } from '../support/node-roots.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import {
  addRunJob,
  readAll,
  sh,
  taskInState,
  waitForIdleNodes,
  withRunner,
  type Runner,
} from '../execution/helpers.js';
import { makeTempDir, startRemoteAgent } from '../security/files-support.js';

interface Ran {
  poolId: string;
  nodeId: string;
  jobId: string;
  taskId: string;
}

async function runOne(runner: Runner, poolId: string): Promise<Ran> {
  const jobId = await addRunJob(runner, { poolInfo: { poolId } });
  const taskId = uniqueId('nf');
  await runner.client.task.add(jobId, {
    id: taskId,
    commandLine: sh('echo node-files; echo kept > kept.txt'),
  });
  const task = await taskInState(runner, jobId, taskId, 'completed');
  assert.equal(task.executionInfo?.exitCode, 0);
  return { poolId, nodeId: nodeIdOf(task), jobId, taskId };
}

const ESCAPES = [
  '.agent',
  '.agent%2Fprocesses',
  '..%2F..%2F..%2Fbatchite.db',
  '..%2F..%2Fbatchite.db',
  'workitems%2F..%2F.agent',
  'workitems%2F..%2F..%2F..%2Fbatchite.db',
  '%2Fetc%2Fpasswd',
  '%2E%2E%2F%2E%2E%2Fbatchite.db',
];

function nodeFilesSuite(name: string, runner: Runner, poolOf: () => Promise<string>): void {
  void describe(name, () => {
    let ran: Ran;
    let dir: string;
    before(async () => {
      ran = await runOne(runner, await poolOf());
      dir = `workitems/${ran.jobId}/job-1/${ran.taskId}`;
    });

    void it('lists the node areas, recursively the task files, with $filter by prefix', async () => {
      const { client } = runner;
      const top = (await client.file.listFromComputeNode(ran.poolId, ran.nodeId)).map((f) => f.name).sort();
      assert.deepEqual(top, ['shared', 'startup', 'workitems']);
      const all = await client.file.listFromComputeNode(ran.poolId, ran.nodeId, { recursive: true });
      const names = all.map((f) => f.name);
      for (const expected of [`${dir}/stdout.txt`, `${dir}/stderr.txt`, `${dir}/wd/kept.txt`]) {
        assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
      }
      assert.ok(!names.some((n) => (n ?? '').startsWith('.agent')), 'no agent bookkeeping');
      const stdout = all.find((f) => f.name === `${dir}/stdout.txt`);
      assert.equal(stdout?.properties?.contentLength, 'node-files\n'.length);
      assert.equal(stdout?.isDirectory, false);
      const filtered = await client.file.listFromComputeNode(ran.poolId, ran.nodeId, {
        recursive: true,
        fileListFromComputeNodeOptions: { filter: `startswith(name, '${dir}/wd')` },
      });
      assert.deepEqual(filtered.map((f) => f.name).sort(), [`${dir}/wd`, `${dir}/wd/kept.txt`].sort());
    });

    void it('reads a file and its properties, then deletes it', async () => {
      const { client } = runner;
      const read = await client.file.getFromComputeNode(ran.poolId, ran.nodeId, `${dir}/stdout.txt`);
      assert.equal((await readAll(read.readableStreamBody)).toString('utf8'), 'node-files\n');
      const props = await client.file.getPropertiesFromComputeNode(
        ran.poolId,
        ran.nodeId,
        `${dir}/stdout.txt`,
      );
      assert.equal(props.contentLength, 'node-files\n'.length);
      assert.equal(props.ocpBatchFileIsdirectory, false);
      const deleted = await client.file.deleteFromComputeNode(ran.poolId, ran.nodeId, `${dir}/wd/kept.txt`);
      assert.equal(deleted._response.status, 200);
      await expectRestStatus(
        client.file.getFromComputeNode(ran.poolId, ran.nodeId, `${dir}/wd/kept.txt`),
        404,
      );
      // The same file is gone from the task's view too: one tree.
      await expectRestStatus(client.file.getFromTask(ran.jobId, ran.taskId, 'wd/kept.txt'), 404);
    });

    void it('never leaves the node areas; the areas themselves cannot be deleted', async () => {
      const base = `/pools/${ran.poolId}/nodes/${ran.nodeId}/files/`;
      for (const escape of ESCAPES) {
        for (const method of ['GET', 'HEAD', 'DELETE'] as const) {
          const res = await rawRequest(runner.server, {
            method,
            path: `${base}${escape}`,
            ...(method === 'DELETE' ? { query: { recursive: 'true' } } : {}),
          });
          assert.equal(res.status, 404, `${method} ${escape}`);
          if (method !== 'HEAD') assertBatchErrorResponse(res, { status: 404, code: 'FileNotFound' });
        }
      }
      await access(join(runner.server.dataDir, 'batchite.db'));
      const wipe = await rawRequest(runner.server, {
        method: 'DELETE',
        path: `${base}workitems`,
        query: { recursive: 'true' },
      });
      assertBatchErrorResponse(wipe, { status: 409, code: 'OperationNotValidOnNode' });
      const still = await runner.client.file.getFromComputeNode(ran.poolId, ran.nodeId, `${dir}/stderr.txt`);
      assert.equal(still._response.status, 200);
    });

    void it('the Batchite client: listNodeFiles, getNodeFile, getNodeFileProperties, deleteNodeFile', async () => {
      const { url, accountName, accountKey } = runner.server;
      const client = new BatchClient({ endpoint: url, accountName, accountKey });
      const names: string[] = [];
      for await (const file of client.listNodeFiles(ran.poolId, ran.nodeId, { recursive: true }))
        names.push(file.name ?? '');
      assert.ok(names.includes(`${dir}/stderr.txt`), names.join(', '));
      const read = await client.getNodeFile(ran.poolId, ran.nodeId, `${dir}/stdout.txt`, {
        range: { start: 0, end: 3 },
      });
      assert.equal(Buffer.from(read.content).toString('utf8'), 'node');
      const streamed = await client.getNodeFile(ran.poolId, ran.nodeId, `${dir}/stdout.txt`, {
        stream: true,
      });
      const whole = Buffer.from(await new Response(streamed.content).arrayBuffer()).toString('utf8');
      assert.equal(
        whole,
        Buffer.from((await client.getNodeFile(ran.poolId, ran.nodeId, `${dir}/stdout.txt`)).content).toString(
          'utf8',
        ),
      );
      assert.ok(whole.startsWith('node'), whole);
      assert.equal(streamed.properties.contentLength, Buffer.byteLength(whole));
      const props = await client.getNodeFileProperties(ran.poolId, ran.nodeId, `${dir}/stderr.txt`);
      assert.equal(props.isDirectory, false);
      await client.deleteNodeFile(ran.poolId, ran.nodeId, `${dir}/stderr.txt`);
      await assert.rejects(client.getNodeFile(ran.poolId, ran.nodeId, `${dir}/stderr.txt`), {
        code: 'FileNotFound',
        statusCode: 404,
      });
    });

    void it('answers NodeNotFound for a node the pool does not have', async () => {
      const res = await rawRequest(runner.server, {
        method: 'GET',
        path: `/pools/${ran.poolId}/nodes/tvm-no-such-node/files`,
      });
      assertBatchErrorResponse(res, { status: 404, code: 'NodeNotFound' });
    });
  });
}

void describe('node files (issue 14, item 5)', () => {
  let agent: RunningAgent | undefined;
  let remoteRoot: string | undefined;
  after(async () => {
    await agent?.close();
    if (remoteRoot !== undefined) await rm(remoteRoot, { recursive: true, force: true });
  });
  const runner = withRunner({ slots: 1 });
  nodeFilesSuite('of a local node (read by the server)', runner, () => Promise.resolve(runner.poolId));
  nodeFilesSuite('of a remote agent (read by its file server)', runner, async () => {
    remoteRoot = await makeTempDir('batchite-remote-node-files-');
    const poolId = await addPool(runner.client, { targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
    agent = await startRemoteAgent(runner.server, poolId, remoteRoot);
    await waitForIdleNodes(runner.client, poolId, 1);
    return poolId;
  });
});
