/**
 * Resilience (issue 13, point 4): our `BatchClient` with its DEFAULT options — nothing tuned — through 20 % seeded
 * faults on every Batch request: connection resets, answers lost after the server committed, 500, and 503/429 with
 * and without Retry-After. The workload: single creates of jobs and tasks, `createTasks` of thousands, job updates,
 * task deletes and reads. Every call must succeed; every task must be stored exactly once with its own command
 * line, and the bulk tasks, which run on a real local node, all succeed with no run charged as a
 * retry.
 *
 * Size: 3,000 tasks by `createTasks` + about 470 single calls; `BATCHITE_RESILIENCE_FULL=1`: 10,000 + 2,350.
 * The server is `batchite serve` in its own process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchClient } from '@batchite/client';
import { NO_SUCH_POOL } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import {
  CountingFetch,
  getFaults,
  injectedById,
  mapConcurrent,
  mixedRules,
  putFaults,
  ratio,
  seconds,
  sized,
  spawnServer,
  type SpawnedServer,
} from './helpers.js';

const BULK_TASKS = sized(3_000, 10_000);
const SINGLE_TASKS = sized(200, 1_000);
const SINGLE_JOBS = sized(20, 50);
const FAULT_SHARE = 0.2;
/** Upper bound for running the bulk tasks after the last call (a safety net, not a pace). */
const RUN_TIMEOUT_MS = 300_000;
/** The pool `batchite serve` starts its local node in. */
const LOCAL_POOL = 'local';

/** Seven faults in equal shares, 20 % of every Batch request together. */
const FAULTS_OF_THE_ISSUE = [
  { name: 'reset', action: { type: 'reset' } },
  { name: 'lostResponse', action: { type: 'lostResponse' } },
  { name: '500', action: { type: 'error', status: 500, code: 'InternalError' } },
  { name: '503-ra', action: { type: 'error', status: 503, code: 'ServerBusy', retryAfter: 1 } },
  { name: '503', action: { type: 'error', status: 503, code: 'ServerBusy' } },
  { name: '429-ra', action: { type: 'error', status: 429, code: 'TooManyRequests', retryAfter: 1 } },
  { name: '429', action: { type: 'error', status: 429, code: 'TooManyRequests' } },
];

const FAULTS = { seed: 20_261_204, rules: mixedRules('all', {}, FAULT_SHARE, FAULTS_OF_THE_ISSUE) };

describe(`our client with its defaults: ${FAULT_SHARE * 100} % faults on every request`, () => {
  let server: SpawnedServer;

  before(async () => {
    // Faults hit Batch requests only; the local node's agent API is not a Batch path, so the bulk tasks run.
    server = await spawnServer({ faults: FAULTS, localNode: true });
  });
  after(async () => {
    await server?.dispose();
  });

  it('every call succeeds, every task is stored exactly once', { timeout: 1_200_000 }, async (t) => {
    const wire = new CountingFetch();
    const client = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
      fetch: wire.fetch,
    });
    const failures: string[] = [];
    let calls = 0;
    const call = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
      calls += 1;
      try {
        return await run();
      } catch (error) {
        const e = error as { code?: string; giveUpReason?: string; explanation?: string };
        failures.push(`${what}: ${e.code ?? String(error)} ${e.giveUpReason ?? ''} ${e.explanation ?? ''}`);
        return undefined;
      }
    };
    const started = Date.now();
    const jobIds = Array.from({ length: SINGLE_JOBS }, (_, j) => `fire-${j}`);
    await mapConcurrent(jobIds, 4, (id) =>
      call(`createJob ${id}`, () => client.createJob({ id, poolInfo: { poolId: NO_SUCH_POOL } })),
    );
    const singles = Array.from({ length: SINGLE_TASKS }, (_, i) => ({
      jobId: jobIds[i % SINGLE_JOBS] as string,
      task: { id: `s${i}`, commandLine: `/bin/sh -c "echo single ${i}"` },
    }));
    await mapConcurrent(singles, 8, ({ jobId, task }) =>
      call(`createTask ${jobId}/${task.id}`, () => client.createTask(jobId, task)),
    );
    await mapConcurrent(jobIds, 4, (id, j) =>
      call(`updateJob ${id}`, () => client.updateJob(id, { priority: j })),
    );
    await mapConcurrent(singles, 8, ({ jobId, task }) =>
      call(`getTask ${jobId}/${task.id}`, () => client.getTask(jobId, task.id)),
    );
    // Every fifth single task is deleted again.
    const deleted = singles.filter((_, i) => i % 5 === 0);
    await mapConcurrent(deleted, 8, ({ jobId, task }) =>
      call(`deleteTask ${jobId}/${task.id}`, () => client.deleteTask(jobId, task.id)),
    );
    const bulkJob = 'fire-bulk';
    await call('createJob bulk', () => client.createJob({ id: bulkJob, poolInfo: { poolId: LOCAL_POOL } }));
    const bulk = Array.from({ length: BULK_TASKS }, (_, i) => ({
      id: `b${String(i).padStart(5, '0')}`,
      commandLine: `/bin/sh -c "echo bulk ${i}"`,
    }));
    calls += 1;
    const outcomes = await client.createTasks(bulkJob, bulk);
    const makespan = Date.now() - started;
    const sent = wire.counts.requests;
    const faults = await getFaults(server);
    const bulkFailed = outcomes.filter((o) => o.status === 'failed');
    const callsFailed = failures.length + (bulkFailed.length > 0 ? 1 : 0);
    for (const o of bulkFailed.slice(0, 5))
      failures.push(`createTasks ${o.taskId}: ${o.error?.code} ${o.error?.giveUpReason ?? ''}`);

    t.diagnostic(
      `figure defaults-under-fire: faults=${FAULT_SHARE * 100}% seed=${FAULTS.seed} calls=${calls} ` +
        `(createTasks of ${BULK_TASKS} counted as one) makespan=${seconds(makespan)}`,
    );
    t.diagnostic(`faults injected=${faults.totalInjected} ${JSON.stringify(injectedById(faults))}`);
    t.diagnostic(
      `requests=${sent} requests/call=${ratio(sent, calls)} responses ${JSON.stringify(Object.fromEntries(wire.counts.byStatus))} networkErrors=${wire.counts.networkErrors}`,
    );
    t.diagnostic(
      `calls failed=${callsFailed} ` +
        `bulk tasks failed=${bulkFailed.length} existed=${outcomes.filter((o) => o.status === 'existed').length}`,
    );

    assert.ok(
      faults.totalInjected >= 0.15 * sent,
      `faults were injected (${faults.totalInjected} of ${sent})`,
    );
    assert.deepEqual(failures.slice(0, 10), [], `${callsFailed} calls failed`);
    assert.equal(bulkFailed.length, 0);

    // The server's view, read without faults: each task once, with its own command line; the bulk tasks all ran
    // once and succeeded, none with a run charged as a retry (the single tasks wait on a pool with no nodes).
    await putFaults(server, { seed: 1, rules: [] });
    await waitFor(async () => (await client.getJobTaskCounts(bulkJob)).taskCounts.completed === BULK_TASKS, {
      timeoutMs: RUN_TIMEOUT_MS,
      intervalMs: 250,
      what: 'every bulk task to run',
    });
    const gone = new Set(deleted.map(({ jobId, task }) => `${jobId}/${task.id}`));
    for (const jobId of [...jobIds, bulkJob]) {
      const seen = new Map<string, number>();
      for await (const task of client.listTasks(jobId, { select: 'id,commandLine,executionInfo' })) {
        const id = task.id ?? '';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        const i = Number(id.slice(1));
        const kind = id.startsWith('b') ? 'bulk' : 'single';
        assert.equal(task.commandLine, `/bin/sh -c "echo ${kind} ${i}"`, `${jobId}/${id} command line`);
        if (kind === 'bulk') {
          assert.equal(task.executionInfo?.exitCode, 0, `${jobId}/${id} ran and succeeded`);
          assert.equal(task.executionInfo?.retryCount, 0, `${jobId}/${id} has no run charged as a retry`);
        }
        assert.ok(!gone.has(`${jobId}/${id}`), `${jobId}/${id} was deleted`);
      }
      assert.ok(
        [...seen.values()].every((n) => n === 1),
        `${jobId}: no task listed twice`,
      );
      const expected =
        jobId === bulkJob
          ? BULK_TASKS
          : singles.filter((s) => s.jobId === jobId && !gone.has(`${jobId}/${s.task.id}`)).length;
      assert.equal(seen.size, expected, `${jobId}: every task stored`);
    }
    for (const [j, id] of jobIds.entries()) {
      const job = await client.getJob(id);
      assert.equal(job.priority, j, `${id}: its update is stored`);
    }
  });
});
