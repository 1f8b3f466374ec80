/**
 * BatchClient's retry handler against the real server with injected faults (issue 4's integration list):
 * 5xx then success, 429 + Retry-After, connection reset, lost response after a committed create, a conflicting
 * create, and 4xx never retried. Waits are read from the retry hooks, not timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchClient, isBatchError, type BatchError } from '@batchite/client';
import type { RetryEvent } from '@batchite/retry';
import { rawRequest } from '../support/raw.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const retries: RetryEvent[] = [];

function client(): BatchClient {
  return new BatchClient({
    endpoint: server.url,
    accountName: server.accountName,
    accountKey: server.accountKey,
    // Short waits for generic retries keep the suite fast; Retry-After is still honoured in full.
    retry: { baseDelayMs: 20, maxDelayMs: 200, onRetry: (event) => void retries.push(event) },
  });
}

async function setFaults(rules: unknown[]): Promise<void> {
  const reply = await rawRequest(server, {
    method: 'PUT',
    path: '/.batchite/faults',
    apiVersion: null,
    body: { seed: 3, rules },
  });
  assert.equal(reply.status, 200, reply.text);
}

async function injected(): Promise<number> {
  const reply = await rawRequest(server, { method: 'GET', path: '/.batchite/faults', apiVersion: null });
  return (reply.json as { totalInjected: number }).totalInjected;
}

async function rejection(promise: Promise<unknown>): Promise<BatchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isBatchError(error), `expected a BatchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.dispose();
});

describe('BatchClient against injected faults', () => {
  it('retries a 500 and succeeds', async () => {
    retries.length = 0;
    const batch = client();
    await batch.createPool({ id: 'p1', vmSize: 'local' });
    await setFaults([
      {
        match: { method: 'GET', path: '/pools/{poolId}' },
        count: 2,
        action: { type: 'error', status: 500, code: 'InternalError' },
      },
    ]);
    const pool = await batch.getPool('p1');
    assert.equal(pool.id, 'p1');
    assert.equal(retries.length, 2);
    assert.equal(await injected(), 2);
  });

  it('waits at least Retry-After after a 429, and returns on the next attempt', async () => {
    retries.length = 0;
    await setFaults([
      {
        match: { method: 'GET', path: '/pools' },
        count: 1,
        action: { type: 'error', status: 429, code: 'TooManyRequests', retryAfter: 1 },
      },
    ]);
    const pools = [];
    for await (const pool of client().listPools()) pools.push(pool.id);
    assert.deepEqual(pools, ['p1']);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.decision.kind, 'throttled');
    assert.ok(retries[0].delayMs >= 1000, `waited ${retries[0].delayMs} ms for Retry-After: 1`);
    assert.ok(retries[0].delayMs <= 2000, 'jittered into [RA, 2·RA]');
  });

  it('retries a connection reset before processing: the job exists once', async () => {
    retries.length = 0;
    await setFaults([{ match: { method: 'POST', path: '/jobs' }, count: 1, action: { type: 'reset' } }]);
    const result = await client().createJob({ id: 'after-reset', poolInfo: { poolId: 'p1' } });
    assert.equal(result.status, 'created');
    assert.equal(retries.length, 1);
  });

  it('reconciles a lost response after a committed create: success, no duplicate', async () => {
    retries.length = 0;
    const batch = client();
    await batch.createJob({ id: 'lost', poolInfo: { poolId: 'p1' } });
    await setFaults([
      { match: { method: 'POST', path: '/jobs/{jobId}/tasks' }, count: 1, action: { type: 'lostResponse' } },
    ]);
    const result = await batch.createTask('lost', { id: 't1', commandLine: '/bin/true' });
    assert.equal(
      result.status,
      'existed',
      'the retry met TaskExists, checked the stored task and accepted it',
    );
    assert.equal(await injected(), 1);
    const tasks = [];
    for await (const task of batch.listTasks('lost')) tasks.push(task.id);
    assert.deepEqual(tasks, ['t1']);
  });

  it('surfaces a conflicting task after an ambiguous attempt as alreadyExists', async () => {
    const batch = client();
    await batch.createTask('lost', { id: 't2', commandLine: '/bin/true' });
    await setFaults([
      { match: { method: 'POST', path: '/jobs/{jobId}/tasks' }, count: 1, action: { type: 'reset' } },
    ]);
    // The reset happens before processing, so the retry meets the *existing* t2, whose command differs.
    const error = await rejection(batch.createTask('lost', { id: 't2', commandLine: '/bin/false' }));
    assert.equal(error.code, 'TaskExists');
    assert.equal(error.kind, 'alreadyExists');
    assert.equal(
      (await batch.getTask('lost', 't2')).commandLine,
      '/bin/true',
      'the stored task is untouched',
    );
  });

  it('never retries a 4xx', async () => {
    retries.length = 0;
    await setFaults([]);
    const error = await rejection(client().getJob('no-such-job'));
    assert.equal(error.statusCode, 404);
    assert.equal(error.kind, 'notFound');
    assert.equal(error.attempts, 1);
    assert.equal(retries.length, 0);
  });
});
