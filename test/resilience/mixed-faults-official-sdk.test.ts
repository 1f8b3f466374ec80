/**
 * Resilience 2 (issue 5): the workload of resilience 1 with the official `@azure/batch` 10.2.0 SDK and ITS
 * default retry policy, written as a user would: `job.add` (a `JobExists` answer is taken as "already there"),
 * then `task.addCollection` in chunks of 100, 4 chunks at a time, reading the per-task results. A comparison,
 * not a verdict: the test records what the SDK loses or reports as failed and asserts only that the figures
 * add up (every task is counted once, the server holds no duplicates, nothing reported created is missing).
 *
 * Full size (`BATCHITE_RESILIENCE_FULL=1`): 10,000 tasks in 10 jobs, the same 20 % fault rules as resilience 1,
 * the SDK's policies untouched (5xx waits ~27–39 s then ~75–90 s; one retry of a network error after ~27–39 s;
 * 429 never retried).
 * Small size: 1,000 tasks in 2 jobs. To bound the time, the SDK's ExponentialRetryPolicy is replaced by the same
 * class with short intervals (`exponentialRetryPolicy(3, 200, 100, 2000)`, the Azure Batch REST reference), and the network
 * faults (whose one retry still waits ~27–39 s) are limited to one reset and one lost response, on the first
 * two task-collection requests, so their waits overlap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from '@azure/batch';
import {
  RequestPolicyOptions,
  exponentialRetryPolicy,
  type RequestPolicy,
  type RequestPolicyFactory,
  type WebResourceLike,
} from '@azure/ms-rest-js';
import { BatchClient } from '@batchite/client';
import { NO_SUCH_POOL } from '../support/ids.js';
import type { Endpoint } from '../support/sdk.js';
import {
  FULL,
  MIXED_FAULTS,
  getFaults,
  injectedById,
  mapConcurrent,
  mixedRules,
  requestKind,
  seconds,
  sized,
  spawnServer,
  type FaultRule,
  type SpawnedServer,
} from './helpers.js';

const TASKS = sized(1_000, 10_000);
const JOBS = sized(2, 10);
const PER_JOB = TASKS / JOBS;
const CHUNK = 100;
const CONCURRENCY = 4;
const FAULT_SHARE = 0.2;

const HTTP_ONLY = MIXED_FAULTS.filter((fault) => fault.action.type === 'error');
const JOB_MATCH = { method: 'POST', path: '/jobs' };
const TC_MATCH = { method: 'POST', path: '/jobs/{jobId}/addtaskcollection' };

function smallRules(): FaultRule[] {
  return [
    ...mixedRules('job', JOB_MATCH, FAULT_SHARE, HTTP_ONLY),
    { id: 'tc-reset', match: TC_MATCH, count: 1, action: { type: 'reset' } },
    { id: 'tc-lostResponse', match: TC_MATCH, count: 1, action: { type: 'lostResponse' } },
    ...mixedRules('tc', TC_MATCH, FAULT_SHARE, HTTP_ONLY),
  ];
}

/** Resilience 1's rules, unchanged (same seed). */
const FAULTS = {
  seed: 20_240_501,
  rules: FULL
    ? [...mixedRules('job', JOB_MATCH, FAULT_SHARE), ...mixedRules('tc', TC_MATCH, FAULT_SHARE)]
    : smallRules(),
};

/** What went on the wire, seen below the SDK's retry policies. */
interface SdkWire {
  requests: number;
  byKind: Map<string, number>;
  byOutcome: Map<string, number>;
}

function countingPolicy(wire: SdkWire): RequestPolicyFactory {
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  return {
    create: (next) => ({
      sendRequest: async (request: WebResourceLike) => {
        wire.requests += 1;
        bump(wire.byKind, requestKind(request.method, request.url));
        try {
          const response = await next.sendRequest(request);
          bump(wire.byOutcome, String(response.status));
          return response;
        } catch (error) {
          bump(wire.byOutcome, (error as { code?: string }).code ?? 'network');
          throw error;
        }
      },
    }),
  };
}

const PROBE: RequestPolicy = { sendRequest: () => Promise.reject(new Error('probe: never sends')) };

function isExponentialRetry(factory: RequestPolicyFactory): boolean {
  return factory.create(PROBE, new RequestPolicyOptions()).constructor.name === 'ExponentialRetryPolicy';
}

/** The SDK with its default pipeline; small size: only the ExponentialRetryPolicy's intervals shortened. */
function officialClient(endpoint: Endpoint, wire: SdkWire): BatchServiceClient {
  return new BatchServiceClient(
    new BatchSharedKeyCredentials(endpoint.accountName, endpoint.accountKey),
    endpoint.url,
    {
      requestPolicyFactories: (defaults) => {
        const factories = FULL
          ? [...defaults]
          : defaults.map((f) => (isExponentialRetry(f) ? exponentialRetryPolicy(3, 200, 100, 2000) : f));
        assert.ok(factories.some(isExponentialRetry), 'the default retry policy is in the pipeline');
        return [...factories, countingPolicy(wire)];
      },
    },
  );
}

/** `429 TooManyRequests`, `ECONNRESET`…: how an SDK rejection is tallied. */
function errorKey(error: unknown): string {
  const e = error as { statusCode?: number; code?: string; name?: string };
  if (e.statusCode !== undefined) return `${e.statusCode} ${e.code ?? ''}`.trim();
  return e.code ?? e.name ?? 'unknown';
}

interface Tally {
  chunksSent: number;
  jobsFailed: Map<string, number>;
  jobsExistsAnswer: number;
  chunksRejected: Map<string, number>;
  /** Tasks by what the SDK told the user. */
  reportedSuccess: Set<string>;
  reportedTaskExists: Set<string>;
  reportedOtherItemError: Set<string>;
  inRejectedChunks: Set<string>;
  notSent: Set<string>;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

async function addChunk(
  sdk: BatchServiceClient,
  jobId: string,
  chunk: BatchServiceModels.TaskAddParameter[],
  tally: Tally,
): Promise<void> {
  const key = (id: string) => `${jobId}/${id}`;
  let result: BatchServiceModels.TaskAddCollectionResult;
  tally.chunksSent += 1;
  try {
    result = await sdk.task.addCollection(jobId, chunk);
  } catch (error) {
    bump(tally.chunksRejected, errorKey(error));
    for (const task of chunk) tally.inRejectedChunks.add(key(task.id));
    return;
  }
  const byId = new Map((result.value ?? []).map((r) => [r.taskId, r]));
  for (const task of chunk) {
    const item = byId.get(task.id);
    const status = item?.status.toLowerCase();
    if (status === 'success') tally.reportedSuccess.add(key(task.id));
    else if (item?.error?.code === 'TaskExists') tally.reportedTaskExists.add(key(task.id));
    else tally.reportedOtherItemError.add(key(task.id));
  }
}

/** One job as a user writes it with the SDK. */
async function runJob(sdk: BatchServiceClient, jobId: string, tally: Tally): Promise<void> {
  const tasks = Array.from({ length: PER_JOB }, (_, i) => ({
    id: `t${String(i).padStart(5, '0')}`,
    commandLine: `/bin/sh -c "echo ${jobId} ${i}"`,
  }));
  try {
    await sdk.job.add({ id: jobId, poolInfo: { poolId: NO_SUCH_POOL } });
  } catch (error) {
    if ((error as { code?: string }).code === 'JobExists') {
      tally.jobsExistsAnswer += 1;
    } else {
      bump(tally.jobsFailed, errorKey(error));
      for (const task of tasks) tally.notSent.add(`${jobId}/${task.id}`);
      return;
    }
  }
  const chunks: BatchServiceModels.TaskAddParameter[][] = [];
  for (let i = 0; i < tasks.length; i += CHUNK) chunks.push(tasks.slice(i, i + CHUNK));
  await mapConcurrent(chunks, CONCURRENCY, (chunk) => addChunk(sdk, jobId, chunk, tally));
}

describe(`official SDK (default retry policy): ${TASKS} tasks through ${FAULT_SHARE * 100} % mixed faults`, () => {
  let server: SpawnedServer;

  before(async () => {
    server = await spawnServer({ faults: FAULTS });
  });
  after(async () => {
    await server?.dispose();
  });

  it('records what the SDK creates, reports and loses; the figures add up', async (t) => {
    const wire: SdkWire = { requests: 0, byKind: new Map(), byOutcome: new Map() };
    const sdk = officialClient(server, wire);
    const tally: Tally = {
      chunksSent: 0,
      jobsFailed: new Map(),
      jobsExistsAnswer: 0,
      chunksRejected: new Map(),
      reportedSuccess: new Set(),
      reportedTaskExists: new Set(),
      reportedOtherItemError: new Set(),
      inRejectedChunks: new Set(),
      notSent: new Set(),
    };
    const started = Date.now();
    for (let j = 0; j < JOBS; j++) await runJob(sdk, `sdk-${j}`, tally);
    const makespan = Date.now() - started;

    // The server's view, read without faults (GETs are not faulted) through our client.
    const reader = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
    });
    const stored = new Map<string, number>();
    let jobsStored = 0;
    for (let j = 0; j < JOBS; j++) {
      const jobId = `sdk-${j}`;
      const exists = await reader.getJob(jobId).then(
        () => true,
        () => false,
      );
      if (!exists) continue;
      jobsStored += 1;
      for await (const task of reader.listTasks(jobId, { select: 'id' })) {
        const key = `${jobId}/${task.id}`;
        stored.set(key, (stored.get(key) ?? 0) + 1);
      }
    }

    const reported = [tally.reportedSuccess, tally.reportedTaskExists, tally.reportedOtherItemError];
    const outcomes = [...reported, tally.inRejectedChunks, tally.notSent];
    const counted = outcomes.reduce((sum, set) => sum + set.size, 0);
    const everyTask = new Set(outcomes.flatMap((set) => [...set]));
    const duplicates = [...stored.values()].reduce((sum, count) => sum + count - 1, 0);
    const missing = TASKS - stored.size;
    const storedButReportedFailed = [...tally.inRejectedChunks, ...tally.reportedOtherItemError].filter(
      (id) => stored.has(id),
    ).length;
    const reportedFailed = TASKS - tally.reportedSuccess.size;
    const faults = await getFaults(server);
    const lines = [
      `figure mixed-faults-official-sdk: tasks=${TASKS} jobs=${JOBS} faults=${FAULT_SHARE * 100}% seed=${FAULTS.seed} policy=${FULL ? 'default' : 'default, ExponentialRetryPolicy shortened'} makespan=${seconds(makespan)}`,
      `jobs: failed ${JSON.stringify(Object.fromEntries(tally.jobsFailed))}, answered JobExists (taken as created) ${tally.jobsExistsAnswer}; jobs stored on the server ${jobsStored} of ${JOBS}`,
      `chunks: sent=${tally.chunksSent} rejected ${JSON.stringify(Object.fromEntries(tally.chunksRejected))}`,
      `tasks: reported success=${tally.reportedSuccess.size} TaskExists=${tally.reportedTaskExists.size} other item error=${tally.reportedOtherItemError.size} in rejected chunks=${tally.inRejectedChunks.size} not sent (job failed)=${tally.notSent.size}`,
      `server: stored=${stored.size} missing=${missing} duplicates=${duplicates} stored-but-reported-failed=${storedButReportedFailed}; reported failed to the user=${reportedFailed}`,
      `injected: ${JSON.stringify(injectedById(faults))} total=${faults.totalInjected}`,
      `requests sent=${wire.requests} by kind ${JSON.stringify(Object.fromEntries(wire.byKind))} outcomes ${JSON.stringify(Object.fromEntries(wire.byOutcome))}`,
    ];
    for (const line of lines) t.diagnostic(line);

    assert.equal(counted, TASKS, 'every task is counted in exactly one outcome');
    assert.equal(everyTask.size, TASKS, 'no task is counted twice');
    assert.equal(duplicates, 0, 'no task is stored twice (ids are unique)');
    for (const id of stored.keys())
      assert.ok(everyTask.has(id), `${id} is stored but was never in the workload`);
    for (const id of tally.reportedSuccess) assert.ok(stored.has(id), `${id} reported created but missing`);
    for (const id of tally.reportedTaskExists)
      assert.ok(stored.has(id), `${id} reported TaskExists but missing`);
    for (const id of tally.notSent) assert.ok(!stored.has(id), `${id} was never sent but is stored`);
    assert.equal(stored.size + missing, TASKS);
  });
});
