/**
 * Issue #12, point 3: no secret reaches a task. The attacks are the tests: a task greps every
 * `/proc/<pid>/environ` (its agent's, the server's) for the account key, dumps its own environment, reads the
 * store file; and node credentials (a pool's join token, a node's token) try the Batch API and other nodes'
 * routes. Reading other processes' environments is refused by uid, so those cases need a root agent (tasks then
 * run as other users); that the agents' own environments hold no key is checked everywhere.
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authorizationHeader, DEFAULT_API_VERSION } from '@batchite/protocol';
import { startServer, type RunningServer } from '@batchite/server';
import { childPids, NOT_ROOT, runToCompletion, startServe, type ServeProcess } from './identity-support.js';

if (NOT_ROOT !== undefined) console.log(`# cross-uid secret tests skipped: ${NOT_ROOT}`);

describe('no secret reaches a task', () => {
  let dir: string;
  let serve: ServeProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-secrets-'));
    serve = await startServe(join(dir, 'data'));
    await serve.client.createJob({ id: 'steal', poolInfo: { poolId: 'local' } });
  });
  after(async () => {
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts agents whose environment and argv hold no key and no BATCHITE_* variable', async () => {
    const agents = await childPids(serve.child.pid!);
    assert.ok(agents.length >= 2, 'the local agents are children of the server');
    for (const pid of agents) {
      const environ = await readFile(`/proc/${pid}/environ`, 'latin1');
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1');
      assert.ok(!environ.includes(serve.account.key), `agent ${pid} environment holds no key`);
      assert.ok(!/(^|\0)BATCHITE_/.test(environ), `agent ${pid} has no BATCHITE_* variable`);
      assert.ok(!cmdline.includes(serve.account.key) && !cmdline.includes('bjt1_'), 'argv holds no secret');
    }
  });

  it('gives a task no BATCHITE_* variable and no key in its environment', async () => {
    const result = await runToCompletion(serve, 'steal', { id: 'env', commandLine: '/usr/bin/env' });
    assert.equal(result.exitCode, 0);
    assert.ok(!/^BATCHITE_/m.test(result.stdout), result.stdout);
    assert.ok(!result.stdout.includes(serve.account.key));
    assert.ok(!result.stdout.includes('bjt1_'), 'nor the join token');
  });

  it(
    "finds no key in any /proc/<pid>/environ, and cannot read the server's or its agent's",
    { skip: NOT_ROOT },
    async () => {
      const server = serve.child.pid!;
      // Every agent, by pid: the task's parent may be the launcher that measures its run, not the agent.
      const agents = await childPids(server);
      assert.ok(agents.length >= 1, 'the local agents are children of the server');
      const script = [
        `for f in /proc/[0-9]*/environ; do cat "$f" 2>/dev/null | tr "\\\\0" "\\\\n"; done`,
        `cat /proc/${server}/environ > /dev/null && echo READ-SERVER`,
        ...agents.map((pid) => `cat /proc/${pid}/environ > /dev/null && echo READ-AGENT`),
        'true',
      ].join('; ');
      const result = await runToCompletion(serve, 'steal', {
        id: 'proc',
        commandLine: `/bin/sh -c '${script}'`,
      });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok(!result.stdout.includes(serve.account.key), 'the account key is found nowhere');
      assert.ok(!result.stdout.includes('bjt1_'), 'nor a join token');
      assert.ok(!result.stdout.includes('READ-SERVER'), "the server's environment is unreadable");
      assert.ok(!result.stdout.includes('READ-AGENT'), "the agent's environment is unreadable");
    },
  );

  it('cannot read the store file nor list the data directory', { skip: NOT_ROOT }, async () => {
    const db = join(serve.dataDir, 'batchite.db');
    const result = await runToCompletion(serve, 'steal', {
      id: 'store',
      commandLine: `/bin/sh -c 'head -c 16 ${db}; ls ${serve.dataDir}; ls $AZ_BATCH_NODE_ROOT_DIR/workitems'`,
    });
    assert.notEqual(result.exitCode, 0);
    assert.ok(!result.stdout.includes('SQLite format'), 'the store stays unread');
    assert.ok(!result.stdout.includes('batchite.db') && !result.stdout.includes('steal'), 'nothing listed');
    assert.match(result.stderr, /Permission denied/);
  });
});

describe('node credentials do node work only', () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-node-cred-'));
    server = await startServer({ port: 0, dataDir: join(dir, 'data'), logLevel: false });
    for (const id of ['p1', 'p2']) {
      await call('POST', `/pools?api-version=${DEFAULT_API_VERSION}`, sharedKey, { id, vmSize: 'remote' });
    }
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  type Auth = (method: string, path: string, headers: Record<string, string>) => string;
  const sharedKey: Auth = (method, path, headers) =>
    authorizationHeader(
      { method, pathAndQuery: path, headers, accountName: server.accountName },
      server.accountKey,
    );

  async function call(
    method: string,
    path: string,
    auth: Auth | string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json; odata=minimalmetadata; charset=utf-8',
      'ocp-date': new Date().toUTCString(),
    };
    // Sign exactly what fetch sends: no Content-Length on a GET.
    if (method !== 'GET') headers['content-length'] = String(Buffer.byteLength(payload));
    headers.authorization = typeof auth === 'string' ? auth : auth(method, path, headers);
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(payload === '' ? {} : { body: payload }),
    });
    const text = await response.text();
    return {
      status: response.status,
      json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  async function register(poolId: string, joinToken: string) {
    return call('POST', `/.batchite/pools/${poolId}/nodes/register`, `BatchiteJoin ${joinToken}`, {
      hostname: 'attacker',
      agentVersion: 'test',
    });
  }

  it('hands the join token only to Shared Key callers', async () => {
    const answer = await call('GET', '/.batchite/pools/p1/join-token', sharedKey);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.joinToken, server.joinToken('p1'));
    const anonymous = await call('GET', '/.batchite/pools/p1/join-token', '');
    assert.equal(anonymous.status, 403);
    const withJoin = await call(
      'GET',
      '/.batchite/pools/p1/join-token',
      `BatchiteJoin ${server.joinToken('p1')}`,
    );
    assert.ok(withJoin.status === 400 || withJoin.status === 403, `refused (${withJoin.status})`);
  });

  it("registers with its own pool's join token only", async () => {
    assert.equal((await register('p1', server.joinToken('p1'))).status, 200);
    const other = await register('p2', server.joinToken('p1'));
    assert.equal(other.status, 403);
    assert.equal(other.json.code, 'AuthenticationFailed');
    const signed = await call('POST', '/.batchite/pools/p1/nodes/register', sharedKey, { hostname: 'h' });
    assert.equal(signed.status, 403, 'the register route takes the join token, nothing else');
  });

  it('cannot call a Batch API operation with a join token or a node token', async () => {
    const joinToken = server.joinToken('p1');
    const node = (await register('p1', joinToken)).json as { nodeId: string; token: string };
    for (const authorization of [`BatchiteJoin ${joinToken}`, `BatchiteNode ${node.nodeId}:${node.token}`]) {
      const answer = await call('GET', `/pools?api-version=${DEFAULT_API_VERSION}`, authorization);
      assert.ok(
        answer.status === 400 || answer.status === 403,
        `${authorization.split(' ')[0]}: ${answer.status}`,
      );
      assert.match(String(answer.json.code), /^(InvalidAuthenticationInfo|AuthenticationFailed)$/);
    }
    // Used as if it were an account key, a node credential signs nothing the server accepts.
    for (const secret of [joinToken, node.token]) {
      const forged: Auth = (method, path, headers) =>
        authorizationHeader(
          { method, pathAndQuery: path, headers, accountName: server.accountName },
          Buffer.from(secret).toString('base64'),
        );
      const answer = await call('GET', `/pools?api-version=${DEFAULT_API_VERSION}`, forged);
      assert.equal(answer.status, 403);
      assert.equal(answer.json.code, 'AuthenticationFailed');
    }
  });

  it("cannot act on another node's routes, nor use the join token as a node token", async () => {
    const joinToken = server.joinToken('p1');
    const a = (await register('p1', joinToken)).json as { nodeId: string; token: string };
    const b = (await register('p1', joinToken)).json as { nodeId: string; token: string };
    const body = { running: [] };
    const own = await call(
      'POST',
      `/.batchite/nodes/${a.nodeId}/heartbeat`,
      `BatchiteNode ${a.nodeId}:${a.token}`,
      body,
    );
    assert.equal(own.status, 200);
    for (const authorization of [
      `BatchiteNode ${a.nodeId}:${a.token}`,
      `BatchiteNode ${b.nodeId}:${a.token}`,
      `BatchiteNode ${b.nodeId}:${joinToken}`,
      `BatchiteJoin ${joinToken}`,
    ]) {
      for (const route of ['heartbeat', 'claim', 'leave']) {
        const answer = await call('POST', `/.batchite/nodes/${b.nodeId}/${route}`, authorization, body);
        assert.equal(answer.status, 403, `${route} with ${authorization.slice(0, 20)}…`);
      }
    }
  });
});
