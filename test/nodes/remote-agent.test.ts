/**
 * A node whose task directories the server cannot read (an agent with its own root, as on another machine):
 * the server forwards the task-file API to the agent's file server. Driven through the official SDK.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { startAgent, type RunningAgent } from '@batchite/agent';
import { localNodeRoot, nodeIdOf } from '../support/node-roots.js';
import { rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

async function text(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  let out = '';
  for await (const chunk of stream ?? []) out += String(chunk);
  return out;
}

describe('task files of a remote node', () => {
  let server: TestServer;
  let agentRoot: string;
  let agent: RunningAgent;
  let client: BatchServiceClient;

  before(async () => {
    server = await startTestServer();
    agentRoot = await mkdtemp(join(tmpdir(), 'batchite-remote-node-'));
    client = sdkClient(server);
    await client.pool.add({ id: 'remote', vmSize: 'local', taskSlotsPerNode: 2 });
    agent = await startAgent({
      serverUrl: server.url,
      poolId: 'remote',
      joinToken: server.joinToken('remote'),
      rootDir: agentRoot,
      fileServer: { host: '127.0.0.1', port: 0 },
    });
    await client.job.add({ id: 'rj', poolInfo: { poolId: 'remote' } });
    await client.task.add('rj', {
      id: 't',
      commandLine: '/bin/sh -c "echo hello-remote; echo oops >&2; echo data > out.txt"',
    });
    await waitFor(async () => (await client.task.get('rj', 't')).state === 'completed', {
      timeoutMs: 20_000,
      what: 'the task to complete on the remote node',
    });
  });

  after(async () => {
    await agent.close();
    await server.dispose();
    await rm(agentRoot, { recursive: true, force: true });
  });

  it('lists, reads, ranges and deletes files that live only on the node', async () => {
    const nodeId = nodeIdOf(await client.task.get('rj', 't'));
    assert.equal(
      existsSync(join(localNodeRoot(server.dataDir, nodeId), 'workitems', 'rj')),
      false,
      'nothing was written on the server side',
    );
    const listed = await client.file.listFromTask('rj', 't', { recursive: true });
    const names = listed.map((file) => file.name).sort();
    assert.ok(
      names.includes('stdout.txt') && names.includes('stderr.txt') && names.includes('wd/out.txt'),
      names.join(),
    );
    const stdout = listed.find((file) => file.name === 'stdout.txt');
    assert.equal(stdout?.properties?.contentLength, 'hello-remote\n'.length);
    assert.equal(
      await text((await client.file.getFromTask('rj', 't', 'stdout.txt')).readableStreamBody),
      'hello-remote\n',
    );
    const ranged = await client.file.getFromTask('rj', 't', 'wd/out.txt', {
      fileGetFromTaskOptions: { ocpRange: 'bytes=0-1' },
    });
    assert.equal(await text(ranged.readableStreamBody), 'da');
    const properties = await client.file.getPropertiesFromTask('rj', 't', 'stderr.txt');
    assert.equal(properties.contentLength, 'oops\n'.length);
    assert.equal(properties.ocpBatchFileIsdirectory, false);
    await client.file.deleteFromTask('rj', 't', 'wd/out.txt');
    const missing = await rawRequest(server, { method: 'GET', path: '/jobs/rj/tasks/t/files/wd%2Fout.txt' });
    assert.equal(missing.status, 404);
    assert.equal((missing.json as { code: string }).code, 'FileNotFound');
    const escape = await rawRequest(server, {
      method: 'GET',
      path: '/jobs/rj/tasks/t/files/..%2F..%2F..%2Fbatchite.db',
    });
    assert.equal(escape.status, 404, 'traversal is refused by the node too');
  });

  it('no longer serves the files once their node has left the pool', async () => {
    await agent.close();
    const reply = await rawRequest(server, { method: 'GET', path: '/jobs/rj/tasks/t/files/stdout.txt' });
    assert.equal(reply.status, 404);
    assert.equal((reply.json as { code: string }).code, 'FileNotFound');
  });
});
