/**
 * Resilience 1 (issue 5): our `BatchClient` creates N tasks with `createTasks` while 20 % of job creates and
 * add-task-collection requests fail — connection reset, lost response (committed, then the socket dies), 500,
 * 503 + Retry-After and 429 + Retry-After in equal shares, fixed seed. Every task must exist exactly once and
 * every outcome must say what really happened: `created`, or `existed` only where an earlier send was lost.
 *
 * Size: 1,000 tasks (2 jobs); `BATCHITE_RESILIENCE_FULL=1`: 10,000 tasks (10 jobs).
 * The server is `batchite serve` in its own process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchClient, type TaskCreateOutcome } from '@batchite/client';
import type { RetryEvent } from '@batchite/retry';
import { NO_SUCH_POOL } from '../support/ids.js';
import {
  CountingFetch,
  getFaults,
  injectedById,
  mixedRules,
  ratio,
  seconds,
  sized,
  spawnServer,
  type SpawnedServer,
} from './helpers.js';

const TASKS = sized(1_000, 10_000);
const JOBS = sized(2, 10);
const PER_JOB = TASKS / JOBS;
const FAULT_SHARE = 0.2;

const FAULTS = {
  seed: 20_240_501,
  rules: [
    ...mixedRules('job', { method: 'POST', path: '/jobs' }, FAULT_SHARE),
    ...mixedRules('tc', { method: 'POST', path: '/jobs/{jobId}/addtaskcollection' }, FAULT_SHARE),
  ],
};

function taskIdsIn(body: unknown): string[] {
  if (!(body instanceof Uint8Array)) return [];
  const parsed = JSON.parse(Buffer.from(body).toString('utf8')) as { value?: { id: string }[] };
  return (parsed.value ?? []).map((task) => task.id);
}

describe(`our client: ${TASKS} tasks through ${FAULT_SHARE * 100} % mixed faults`, () => {
  let server: SpawnedServer;

  before(async () => {
    server = await spawnServer({ faults: FAULTS });
  });
  after(async () => {
    await server?.dispose();
  });

  it('creates every task exactly once and reports the right outcome for each', async (t) => {
    // Tasks sent in an attempt that got no answer: only these may come back `existed`.
    const unanswered = new Set<string>();
    const wire = new CountingFetch((method, url, body) => {
      const jobId = /\/jobs\/([^/]+)\/addtaskcollection/.exec(url)?.[1];
      if (method === 'POST' && jobId !== undefined)
        for (const id of taskIdsIn(body)) unanswered.add(`${decodeURIComponent(jobId)}/${id}`);
    });
    const retries: RetryEvent[] = [];
    const client = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
      fetch: wire.fetch,
      // The defaults, untuned (issue 13): only a hook to count retries.
      retry: { onRetry: (event) => void retries.push(event) },
    });

    const started = Date.now();
    const jobStatus: string[] = [];
    const outcomes = new Map<string, TaskCreateOutcome[]>();
    for (let j = 0; j < JOBS; j++) {
      const jobId = `mixed-${j}`;
      const created = await client.createJob({ id: jobId, poolInfo: { poolId: NO_SUCH_POOL } });
      jobStatus.push(created.status);
      const tasks = Array.from({ length: PER_JOB }, (_, i) => ({
        id: `t${String(i).padStart(5, '0')}`,
        commandLine: `/bin/sh -c "echo ${jobId} ${i}"`,
      }));
      outcomes.set(jobId, await client.createTasks(jobId, tasks));
    }
    const makespan = Date.now() - started;
    // The workload's own traffic, before the checks below add theirs.
    const sent = {
      requests: wire.counts.requests,
      byKind: JSON.stringify(Object.fromEntries(wire.byKind)),
      byStatus: JSON.stringify(Object.fromEntries(wire.counts.byStatus)),
      networkErrors: wire.counts.networkErrors,
      retries: retries.length,
    };
    const all = [...outcomes.entries()].flatMap(([jobId, list]) => list.map((o) => ({ jobId, ...o })));
    const failed = all.filter((o) => o.status === 'failed');
    const existed = all.filter((o) => o.status === 'existed');
    const faults = await getFaults(server);
    const injected = injectedById(faults);
    const collectionCalls = Math.ceil(PER_JOB / 100) * JOBS;
    const sends = all.reduce((sum, o) => sum + o.attempts, 0);
    const lines = [
      `figure mixed-faults-client: tasks=${TASKS} jobs=${JOBS} faults=${FAULT_SHARE * 100}% seed=${FAULTS.seed} makespan=${seconds(makespan)}`,
      `outcomes: created=${all.length - existed.length - failed.length} existed=${existed.length} failed=${failed.length}; jobs: ${jobStatus.join(',')}`,
      `injected: ${JSON.stringify(injected)} total=${faults.totalInjected}`,
      `requests sent=${sent.requests} by kind ${sent.byKind}; minimum ${JOBS} job creates + ${collectionCalls} collections`,
      `responses ${sent.byStatus} networkErrors=${sent.networkErrors}`,
      `retries=${sent.retries} retries/request=${ratio(sent.retries, sent.requests)} task sends=${sends} sends/task=${ratio(sends, TASKS)}`,
    ];
    for (const line of lines) t.diagnostic(line);

    assert.equal(all.length, TASKS, 'one outcome per task');
    assert.deepEqual(
      failed
        .slice(0, 5)
        .map((o) => `${o.jobId}/${o.taskId}: ${o.error?.code} ${o.error?.giveUpReason ?? ''}`),
      [],
      `${failed.length} tasks reported failed`,
    );
    for (const o of existed) {
      assert.ok(
        unanswered.has(`${o.jobId}/${o.taskId}`),
        `${o.jobId}/${o.taskId} is 'existed' but no send of it went unanswered`,
      );
      assert.ok(o.attempts >= 2, `${o.jobId}/${o.taskId} is 'existed' after ${o.attempts} send(s)`);
    }
    assert.ok(faults.totalInjected > 0, 'faults were injected');
    if ((injected['tc-lostResponse'] ?? 0) > 0)
      assert.ok(existed.length > 0, 'lost responses show as existed');
    else assert.equal(existed.length, 0, 'nothing existed without a lost response');
    const lostJobCreates = injected['job-lostResponse'] ?? 0;
    const existedJobs = jobStatus.filter((s) => s === 'existed').length;
    assert.ok(existedJobs <= lostJobCreates, 'a job is existed only after a lost create');
    if (lostJobCreates > 0) assert.ok(existedJobs > 0, 'a lost job create shows as existed');

    // The server's view: each task exactly once, with the command line that was sent.
    for (const [jobId, list] of outcomes) {
      const stored = new Map<string, number>();
      for await (const task of client.listTasks(jobId, { select: 'id,commandLine' })) {
        stored.set(task.id!, (stored.get(task.id!) ?? 0) + 1);
        assert.match(task.commandLine ?? '', new RegExp(`echo ${jobId} \\d+"$`));
      }
      assert.equal(stored.size, PER_JOB, `${jobId}: every task is stored`);
      assert.ok(
        [...stored.values()].every((count) => count === 1),
        `${jobId}: no task is listed twice`,
      );
      for (const o of list) assert.ok(stored.has(o.taskId), `${jobId}/${o.taskId} is stored`);
    }
  });
});
