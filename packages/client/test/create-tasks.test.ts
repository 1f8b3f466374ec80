/**
 * createTasks: chunking, bounded parallelism, item-level retries of `servererror` only, TaskExists reconciliation for
 * ambiguous chunks, 413 halving — all under the one retry engine. Request and retry counts go to the test output.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_RETRY_OPTIONS, seededRandom, type RetryOptions } from '@batchite/retry';
import { BatchClient, type TaskCreateOutcome } from '../src/index.js';
import { FakeTasks, type FakeTasksOptions } from './helpers/fake-tasks.js';
import {
  ACCOUNT,
  KEY,
  sendError,
  startScriptedServer,
  type ScriptedServer,
} from './helpers/scripted-server.js';

const FAST: RetryOptions = { baseDelayMs: 1, throttleBaseDelayMs: 1, maxDelayMs: 4 };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function makeTasks(count: number, prefix = 't'): { id: string; commandLine: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, commandLine: `/bin/echo ${i}` }));
}

function tally(outcomes: TaskCreateOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

async function setup(
  options: Omit<FakeTasksOptions, 'jobId'>,
  retry: RetryOptions,
): Promise<{ client: BatchClient; store: FakeTasks; s: ScriptedServer }> {
  const store = new FakeTasks({ jobId: 'j1', ...options });
  server = await startScriptedServer(store.handler);
  const client = new BatchClient({ endpoint: server.url, accountName: ACCOUNT, accountKey: KEY, retry });
  return { client, store, s: server };
}

describe('createTasks', () => {
  it('10,000 tasks, 20 % of items servererror, 3 % of requests lose their response: every task exactly once', async (t) => {
    const random = seededRandom(42);
    const { client, store, s } = await setup(
      {
        itemFault: () => random() < 0.2,
        requestFault: (req) =>
          req.path.endsWith('/addtaskcollection') && random() < 0.03 ? { kind: 'lose' } : undefined,
      },
      // Item rounds spend the shared budget (each the share of the chunk it resends): a sustained 20 % item failure
      // costs ~25 % of a retry per chunk, more than the default 10 % ratio refills (see the next test).
      { ...FAST, maxAttempts: 12, budget: { ratio: 0.5 } },
    );
    const tasks = makeTasks(10_000);
    let retries = 0;
    const outcomes = await client.createTasks('j1', tasks, {
      concurrency: 8,
      retry: { onRetry: () => (retries += 1) },
    });
    assert.equal(outcomes.length, tasks.length);
    outcomes.forEach((o, i) => assert.equal(o.taskId, tasks[i]?.id, 'outcomes in input order'));
    const counts = tally(outcomes);
    assert.equal(counts.failed ?? 0, 0, JSON.stringify(outcomes.find((o) => o.status === 'failed')));
    assert.equal(store.tasks.size, 10_000);
    assert.ok(
      [...store.stores.values()].every((n) => n === 1),
      'no task stored twice',
    );
    assert.ok(s.requests.every((r) => r.signatureOk));
    const verifyingGets = s.requests.filter((r) => r.method === 'GET').length;
    assert.equal(verifyingGets, counts.existed ?? 0);
    assert.ok(store.itemServerErrors > 1500, 'the fault script really failed items');
    t.diagnostic(
      `requests: ${s.requests.length} (${store.collectionRequests} addtaskcollection, ${verifyingGets} verifying GETs); ` +
        `engine retries: ${retries}; item servererrors: ${store.itemServerErrors}; outcomes: ${JSON.stringify(counts)}`,
    );
  });

  // The adaptive budget (k = 2) lets retries through while at least half the requests succeed; a 90 % item
  // failure leaves almost every round failing, so only the 10 % floor pays and the run must give up clearly.
  it('with the default budget a sustained 90 % item failure gives up clearly, still one outcome per task', async (t) => {
    const random = seededRandom(7);
    // Only the budget may stop these retries (no attempt limit, no refill over time), so what it allows does not
    // depend on how fast this machine runs the test.
    const budget = { ...DEFAULT_RETRY_OPTIONS.budget, refillPerSecond: 0 };
    const { client, store } = await setup(
      { itemFault: () => random() < 0.9 },
      { ...FAST, maxAttempts: Number.POSITIVE_INFINITY, budget },
    );
    const tasks = makeTasks(3_000);
    const outcomes = await client.createTasks('j1', tasks);
    assert.equal(outcomes.length, tasks.length);
    const failed = outcomes.filter((o) => o.status === 'failed');
    assert.ok(failed.length > 0, 'budget ran out');
    for (const o of failed) {
      assert.equal(o.error?.giveUpReason, 'budget-empty');
      assert.equal(o.error?.kind, 'server');
      assert.equal(o.error?.code, 'InternalError');
    }
    const created = outcomes.filter((o) => o.status === 'created');
    assert.equal(created.length + failed.length, tasks.length);
    assert.equal(store.tasks.size, created.length, 'every created outcome is stored, no failed one is');
    t.diagnostic(`created ${created.length}, failed (budget-empty) ${failed.length}`);
  });

  it('chunks by count (≤ 100) and by size (< 1 MB), preserving order', async () => {
    const { client, s } = await setup({}, FAST);
    const big = 'x'.repeat(200_000);
    const tasks = [
      ...makeTasks(150, 'a'),
      ...makeTasks(7, 'b').map((task) => ({ ...task, displayName: big })),
    ];
    const outcomes = await client.createTasks('j1', tasks, { concurrency: 1 });
    assert.ok(outcomes.every((o) => o.status === 'created' && o.attempts === 1));
    const sizes = s.requests.map((r) => (r.json as { value: unknown[] }).value.length);
    assert.deepEqual(sizes, [100, 54, 3]);
    assert.ok(s.requests.every((r) => Buffer.byteLength(r.body) < 1_000_000));
  });

  it('halves a chunk on 413 RequestBodyTooLarge', async () => {
    const store = new FakeTasks({ jobId: 'j1' });
    server = await startScriptedServer((req, res) => {
      const count = (req.json as { value?: unknown[] } | undefined)?.value?.length ?? 0;
      if (count > 30) return sendError(res, 413, 'RequestBodyTooLarge');
      return store.handler(req, res);
    });
    const client = new BatchClient({
      endpoint: server.url,
      accountName: ACCOUNT,
      accountKey: KEY,
      retry: FAST,
    });
    const outcomes = await client.createTasks('j1', makeTasks(100), { concurrency: 1 });
    assert.equal(tally(outcomes).created, 100);
    assert.equal(store.tasks.size, 100);
    const sizes = server.requests.map((r) => (r.json as { value: unknown[] }).value.length);
    assert.deepEqual(sizes, [100, 50, 25, 25, 25, 25], 'halved until it fits, and the smaller size sticks');
  });

  it('a first-send TaskExists is a conflict, other client errors fail their task only', async () => {
    const { client, store } = await setup({}, FAST);
    store.seed({ id: 'T2', commandLine: 'whatever' });
    const tasks = makeTasks(4);
    const outcomes = await client.createTasks('j1', [...tasks, { id: 't1', commandLine: 'dup' }]);
    assert.deepEqual(
      outcomes.map((o) => [o.taskId, o.status, o.error?.kind]),
      [
        ['t0', 'created', undefined],
        ['t1', 'created', undefined],
        ['t2', 'failed', 'alreadyExists'],
        ['t3', 'created', undefined],
        ['t1', 'failed', 'badRequest'],
      ],
    );
  });

  it('stops early on a job-level failure (JobNotFound) with one outcome per task', async () => {
    const { client, s } = await setup(
      { requestFault: () => ({ kind: 'status', status: 404, code: 'JobNotFound' }) },
      FAST,
    );
    const outcomes = await client.createTasks('j1', makeTasks(1_000), { concurrency: 2 });
    assert.equal(outcomes.length, 1_000);
    assert.ok(outcomes.every((o) => o.status === 'failed' && o.error?.code === 'JobNotFound'));
    assert.ok(s.requests.length <= 2, `${s.requests.length} requests`);
  });

  it('rejects with the abort reason when aborted, sending nothing more', async () => {
    let received!: () => void;
    const firstRequest = new Promise<void>((resolve) => (received = resolve));
    const { client, s } = await setup(
      { itemFault: () => true, requestFault: () => (received(), undefined) },
      { ...FAST, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' },
    );
    const controller = new AbortController();
    const pending = client.createTasks('j1', makeTasks(10), { signal: controller.signal });
    await firstRequest;
    controller.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
    assert.equal(s.requests.length, 1);
  });
});
