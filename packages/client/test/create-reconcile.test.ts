/**
 * Creates with reconciliation against a scripted task store: a lost response after a committed create is reported as
 * success without a duplicate; a different existing task is a conflict; a first-attempt 409 is always surfaced.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock, type RetryOptions } from '@batchite/retry';
import { BatchClient } from '../src/index.js';
import { rejection } from './helpers/rejection.js';
import { FakeTasks, type RequestFault } from './helpers/fake-tasks.js';
import { ACCOUNT, KEY, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

const FAST: RetryOptions = { baseDelayMs: 1, throttleBaseDelayMs: 1, maxDelayMs: 2, jitter: 'none' };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  faults: (RequestFault | undefined)[],
  retry: RetryOptions = FAST,
): Promise<{ client: BatchClient; s: ScriptedServer; store: FakeTasks }> {
  const store = new FakeTasks({ jobId: 'j1', requestFault: (_req, index) => faults[index] });
  server = await startScriptedServer(store.handler);
  const client = new BatchClient({
    endpoint: server.url,
    accountName: ACCOUNT,
    accountKey: KEY,
    retry,
  });
  return { client, s: server, store };
}

/** Resolves once `condition` holds, checking after each turn of the event loop (real I/O, no timer). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const task = { id: 't1', commandLine: '/bin/sh -c "echo hi"', constraints: { maxTaskRetryCount: 0 } };

describe('create with reconciliation', () => {
  it('lost response after a committed create: retry gets TaskExists, GET matches, reported as success', async () => {
    const { client, s, store } = await setup([{ kind: 'lose' }]);
    const result = await client.createTask('j1', task);
    assert.equal(result.status, 'existed');
    assert.equal(result.attempts, 2);
    assert.deepEqual(
      s.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /jobs/j1/tasks', 'POST /jobs/j1/tasks', 'GET /jobs/j1/tasks/t1'],
    );
    assert.equal(store.stores.get('t1'), 1, 'stored exactly once');
    assert.equal(store.tasks.size, 1);
  });

  it('an attempt timeout after the server committed is ambiguous too: reconciled, no duplicate', async () => {
    // A fake clock: only the hung attempt times out, never a later one slowed down by a loaded machine.
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const { client, s, store } = await setup([{ kind: 'hang' }], {
      ...FAST,
      clock,
      deadlineMs: Number.POSITIVE_INFINITY,
      attemptTimeoutMs: 100,
    });
    const pending = client.createTask('j1', task);
    await until(() => store.stores.get('t1') === 1);
    await clock.advance(100);
    await clock.sleeping(1); // the back-off before the second attempt
    await clock.advance((clock.nextWakeAt() ?? clock.now()) - clock.now());
    const result = await pending;
    assert.equal(result.status, 'existed');
    assert.equal(s.requests.length, 3);
    assert.equal(store.stores.get('t1'), 1);
  });

  it('TaskExists for a different task body after an ambiguous attempt is surfaced as alreadyExists', async () => {
    const { client, s, store } = await setup([{ kind: 'status', status: 500, code: 'InternalError' }]);
    store.seed({ id: 'T1', commandLine: '/bin/sh -c "echo other"' });
    const error = await rejection(client.createTask('j1', task));
    assert.equal(error.kind, 'alreadyExists');
    assert.equal(error.code, 'TaskExists');
    assert.match(error.explanation ?? '', /differs from the one sent \(at commandLine\)/);
    assert.equal(s.requests.length, 3, 'POST, POST, verifying GET');
    assert.equal(
      store.tasks.get('t1')?.commandLine,
      '/bin/sh -c "echo other"',
      'the existing task is untouched',
    );
  });

  it('a 409 TaskExists on the first attempt is surfaced at once, without a GET', async () => {
    const { client, s, store } = await setup([]);
    store.seed({ ...task });
    const error = await rejection(client.createTask('j1', task));
    assert.equal(error.kind, 'alreadyExists');
    assert.equal(error.attempts, 1);
    assert.equal(s.requests.length, 1);
  });

  it('after only unambiguous failures (429) a TaskExists is not reconciled', async () => {
    const { client, s, store } = await setup([
      { kind: 'status', status: 429, code: 'TooManyRequests', headers: { 'retry-after-ms': '1' } },
    ]);
    store.seed({ ...task });
    const error = await rejection(client.createTask('j1', task));
    assert.equal(error.kind, 'alreadyExists');
    assert.equal(s.requests.length, 2, 'no verifying GET');
  });

  it('a connection reset before processing is retried and creates the task once', async () => {
    const { client, store } = await setup([{ kind: 'reset' }]);
    const result = await client.createTask('j1', task);
    assert.equal(result.status, 'created');
    assert.equal(result.eTag, '0x1');
    assert.equal(store.stores.get('t1'), 1);
  });
});
