import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { authorizationHeader, DEFAULT_API_VERSION } from '@batchite/protocol';
import { parseFaultRuleSet } from '../src/faults/fault-rules.js';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

let server: TestServer;

before(async () => {
  server = await testServer();
});
after(async () => {
  await server.dispose();
});

async function setRules(rules: unknown[], seed = 7) {
  const reply = await batch(server, 'PUT', '/.batchite/faults', { seed, rules }, { apiVersion: false });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}

/** A signed request over node:http that reports a dropped connection instead of throwing. */
function rawCall(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status?: number; dropped: boolean }> {
  const pathAndQuery = `${path}?api-version=${DEFAULT_API_VERSION}`;
  const payload = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    'ocp-date': new Date().toUTCString(),
    'content-type': 'application/json; odata=minimalmetadata; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
  };
  headers.authorization = authorizationHeader(
    { method, pathAndQuery, headers, accountName: server.accountName },
    server.accountKey,
  );
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: pathAndQuery, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, dropped: false }));
      },
    );
    req.on('error', () => resolve({ dropped: true }));
    req.end(payload);
  });
}

describe('fault rules', () => {
  it('rejects bad rule sets with a clear 400 and keeps the previous rules', async () => {
    await setRules([{ id: 'keep', match: { path: '/jobs' }, action: { type: 'latency', ms: 1 } }]);
    for (const bad of [
      { rules: [{ action: { type: 'explode' } }] },
      { rules: [{ action: { type: 'error', status: 200, code: 'X' } }] },
      { rules: [{ probability: 2, action: { type: 'reset' } }] },
      { rules: [{ match: { path: '/jobs' }, action: { type: 'killTask' } }] },
      { rules: 'nope' },
    ]) {
      const reply = await batch(server, 'PUT', '/.batchite/faults', bad, { apiVersion: false });
      assert.equal(reply.status, 400, JSON.stringify(bad));
      assert.equal(reply.body.code, 'InvalidRequestBody');
      assert.ok(reply.body.values[0].value.length > 10, 'the reason says what is wrong');
    }
    const current = (await batch(server, 'GET', '/.batchite/faults', undefined, { apiVersion: false })).body;
    assert.deepEqual(
      current.rules.map((rule: { id: string }) => rule.id),
      ['keep'],
    );
    const unsigned = await fetch(`${server.url}/.batchite/faults`);
    assert.equal(unsigned.status, 403, 'the admin API needs the account key');
    await batch(server, 'DELETE', '/.batchite/faults', undefined, { apiVersion: false });
  });

  it('injects errors with Retry-After, counts them, and stops after `count`', async () => {
    await setRules([
      {
        id: 'busy',
        match: { method: 'GET', path: '/jobs/{jobId}', jobId: 'target' },
        count: 2,
        action: { type: 'error', status: 503, code: 'ServerBusy', retryAfter: 3 },
      },
    ]);
    const first = await batch(server, 'GET', '/jobs/target');
    assert.equal(first.status, 503);
    assert.equal(first.body.code, 'ServerBusy');
    assert.equal(first.headers.get('retry-after'), '3');
    assert.equal((await batch(server, 'GET', '/jobs/other')).status, 404, 'other ids are not matched');
    assert.equal((await batch(server, 'GET', '/jobs/TARGET')).status, 503, 'ids match case-insensitively');
    assert.equal(
      (await batch(server, 'GET', '/jobs/target')).status,
      404,
      'count reached: the real answer again',
    );
    const status = (await batch(server, 'GET', '/.batchite/faults', undefined, { apiVersion: false })).body;
    assert.equal(status.rules[0].injected, 2);
    assert.equal(status.totalInjected, 2);
  });

  it('loses the response of a committed write', async () => {
    await setRules([
      { id: 'lost', match: { method: 'POST', path: '/jobs' }, count: 1, action: { type: 'lostResponse' } },
    ]);
    const call = await rawCall('POST', '/jobs', { id: 'committed', poolInfo: { poolId: 'p' } });
    assert.equal(call.dropped, true, 'the client sees the connection drop');
    assert.equal((await batch(server, 'GET', '/jobs/committed')).status, 200, 'yet the job was created');
    const retried = await batch(server, 'POST', '/jobs', { id: 'committed', poolInfo: { poolId: 'p' } });
    assert.equal(retried.body.code, 'JobExists', 'a retried create learns it already happened');
  });

  it('resets the connection before processing', async () => {
    await setRules([
      { id: 'reset', match: { method: 'POST', path: '/jobs' }, count: 1, action: { type: 'reset' } },
    ]);
    const call = await rawCall('POST', '/jobs', { id: 'never', poolInfo: { poolId: 'p' } });
    assert.equal(call.dropped, true);
    assert.equal((await batch(server, 'GET', '/jobs/never')).status, 404, 'nothing was written');
  });

  it('fires with the given probability, reproducibly for a seed', async () => {
    const rules = [
      {
        id: 'coin',
        match: { path: '/jobs' },
        probability: 0.3,
        action: { type: 'error', status: 500, code: 'InternalError' },
      },
    ];
    const run = async () => {
      await setRules(rules, 42);
      const statuses: number[] = [];
      for (let index = 0; index < 40; index++) statuses.push((await batch(server, 'GET', '/jobs')).status);
      return statuses;
    };
    const first = await run();
    assert.deepEqual(await run(), first, 'same seed, same faults');
    const failures = first.filter((status) => status === 500).length;
    assert.ok(failures > 3 && failures < 25, `about 30 % of 40 failed (${failures})`);
  });

  it('makes attempt k of a task exit with a chosen code', async () => {
    await batch(server, 'DELETE', '/.batchite/faults', undefined, { apiVersion: false });
    await batch(server, 'POST', '/pools', { id: 'fp', vmSize: 'local' });
    await batch(server, 'POST', '/jobs', { id: 'fj', poolInfo: { poolId: 'fp' } });
    await batch(server, 'POST', '/jobs/fj/tasks', {
      id: 't',
      commandLine: 'echo hi',
      constraints: { maxTaskRetryCount: 1 },
    });
    await setRules([
      {
        id: 'exit',
        match: { jobId: 'fj', taskId: 't' },
        action: { type: 'exitCode', attempt: 1, exitCode: 42 },
      },
    ]);
    const node = await ScriptedNode.join(server, 'fp');
    const [first] = await node.claim();
    assert.equal(first?.commandLine, "/bin/sh -c 'exit 42'");
    assert.ok(first);
    await node.complete(first, { exitCode: 42 });
    const [second] = await node.claim();
    assert.equal(second?.commandLine, 'echo hi', 'attempt 2 runs the real command');
  });

  it('validates rule files the same way', () => {
    assert.throws(
      () =>
        parseFaultRuleSet({
          rules: [
            { id: 'a', action: { type: 'reset' } },
            { id: 'a', action: { type: 'reset' } },
          ],
        }),
      /used twice/,
    );
    assert.equal(parseFaultRuleSet({ rules: [] }).seed, 1);
  });
});
