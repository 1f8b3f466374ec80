/**
 * The Batchite extensions of BatchClient against the real server (in-process, port 0, temporary SQLite store, a pool
 * without nodes so tasks wait until the test completes them): `why`, the generic `request` to `/.batchite/`, and
 * `waitForJob` / `waitForTasks` with the real clock, finishing because the test terminates the tasks (no timing).
 * The server comes from its build output, as in real-server.test.ts; the suite is skipped when it is not built.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { WAIT_CODES, type TaskCounts } from '@batchite/protocol';
import { BatchClient } from '../src/index.js';
import { rejection } from './helpers/rejection.js';

interface RunningServer {
  url: string;
  close(): Promise<void>;
}
type StartServer = (options: { port: number; dataDir: string; logLevel: false }) => Promise<RunningServer>;

const serverEntry = fileURLToPath(new URL('../../../server/dist/src/index.js', import.meta.url));
const skip = existsSync(serverEntry) ? false : `server not built (${serverEntry})`;

describe('BatchClient extensions against the Batchite server', { skip }, () => {
  let server: RunningServer;
  let client: BatchClient;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'batchite-client-ext-'));
    const { startServer } = (await import(serverEntry)) as { startServer: StartServer };
    server = await startServer({ port: 0, dataDir, logLevel: false });
    // Only the endpoint: the account is the server's default, the well-known one the client defaults to as well.
    client = new BatchClient({ endpoint: server.url });
    await client.createPool({ id: 'empty', vmSize: 'standard_d2s_v3', targetDedicatedNodes: 0 });
  });

  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('why: the waiting tasks of a job by reason, and one task, as the server explains them', async () => {
    await client.createJob({ id: 'why1', poolInfo: { poolId: 'empty' } });
    await client.createTasks(
      'why1',
      [1, 2, 3].map((i) => ({ id: `t${i}`, commandLine: 'true' })),
    );
    const job = await client.why('why1');
    assert.equal(job.jobId, 'why1');
    assert.equal(job.counts.active, 3);
    const [group] = job.waiting;
    assert.ok(
      group !== undefined && (WAIT_CODES as readonly string[]).includes(group.code),
      JSON.stringify(job),
    );
    assert.equal(group.count, 3);
    const task = await client.why('why1', 't2');
    assert.equal(task.taskId, 't2');
    assert.equal(task.waitInfo?.code, group.code);
    const missing = await rejection(client.why('nope'));
    assert.equal(missing.kind, 'notFound');
  });

  it('request: signed calls to /.batchite/ endpoints, errors as BatchError, other paths refused', async () => {
    const empty = await client.request<{ rules: unknown[] }>({ method: 'GET', path: '/.batchite/faults' });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body?.rules, []);
    assert.ok(empty.requestId);
    const rule = {
      id: 'r1',
      match: { jobId: 'never-used' },
      probability: 0,
      action: { type: 'error', status: 500, code: 'InternalError' },
    };
    const added = await client.request<{ id: string }>({
      method: 'POST',
      path: '/.batchite/faults',
      body: rule,
    });
    assert.equal(added.status, 201);
    assert.equal(added.body?.id, 'r1');
    const removed = await client.request({ method: 'DELETE', path: '/.batchite/faults/r1' });
    assert.equal(removed.status, 204);
    assert.equal(removed.body, undefined);
    const gone = await rejection(client.request({ method: 'DELETE', path: '/.batchite/faults/r1' }));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.kind, 'notFound');
    const wrongKey = new BatchClient({
      endpoint: server.url,
      accountKey: Buffer.from('wrong').toString('base64'),
    });
    assert.equal(
      (await rejection(wrongKey.request({ method: 'GET', path: '/.batchite/faults' }))).kind,
      'auth',
    );
    await assert.rejects(client.request({ method: 'GET', path: '/jobs' }), TypeError);
    await assert.rejects(client.request({ method: 'GET', path: '/.batchite/faults?x=1' }), TypeError);
  });

  it('waitForJob: progress as tasks complete, then the final counts', async () => {
    await client.createJob({ id: 'wait1', poolInfo: { poolId: 'empty' } });
    await client.createTasks(
      'wait1',
      [1, 2, 3].map((i) => ({ id: `t${i}`, commandLine: 'true' })),
    );
    const seen: TaskCounts[] = [];
    let first: () => void = () => undefined;
    const reported = new Promise<void>((resolve) => (first = resolve));
    const done = client.waitForJob('wait1', {
      intervalMs: 20,
      maxIntervalMs: 100,
      onProgress: (counts) => {
        seen.push(counts);
        first();
      },
    });
    await reported;
    for (const id of ['t1', 't2', 't3']) await client.terminateTask('wait1', id);
    const final = await done;
    assert.equal(final.completed, 3);
    assert.equal(final.active + final.running, 0);
    assert.equal(seen[0]?.active, 3);
    assert.deepEqual(seen.at(-1), final);
    assert.equal((await rejection(client.waitForJob('no-such-job'))).code, 'JobNotFound');
  });

  it('waitForTasks: the given tasks once they completed; the others may still wait', async () => {
    await client.createJob({ id: 'wait2', poolInfo: { poolId: 'empty' } });
    await client.createTasks(
      'wait2',
      ['a', 'b', 'c'].map((id) => ({ id, commandLine: 'true' })),
    );
    const done = client.waitForTasks('wait2', ['c', 'a'], { intervalMs: 20, maxIntervalMs: 100 });
    await client.terminateTask('wait2', 'a');
    await client.terminateTask('wait2', 'c');
    const tasks = await done;
    assert.deepEqual(
      tasks.map((t) => [t.id, t.state]),
      [
        ['c', 'completed'],
        ['a', 'completed'],
      ],
    );
    assert.equal((await client.getTask('wait2', 'b')).state, 'active');
  });
});
