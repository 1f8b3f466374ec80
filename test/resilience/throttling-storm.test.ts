/**
 * Resilience 4 (issue 5): a throttling storm. C clients — each a `BatchClient` with its own default retry policy
 * (own budget, own host gate) — start at once against a server with a per-account rate limit, and each does a
 * fixed amount of work: create a job, create 20 tasks one by one, then get each task. The server answers over
 * the limit with 429 TooManyRequests + Retry-After. Asserted: all work is done, once (correctness only). Printed:
 * rejected calls per success and the makespan against the ideal (successful requests / rate).
 *
 * Size: 20 clients at 80 requests/s (the full rate scaled by 20/50, so the ideal makespan is the same);
 * `BATCHITE_RESILIENCE_FULL=1`: 50 clients against `--rate-limit 200`. `BATCHITE_RESILIENCE_STORM_RATE=N`
 * overrides the rate (a machine whose server cannot serve 200 requests/s sees no storm at 200; see
 * docs/resilience.md). The server is `batchite serve` in its own process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchClient, isBatchError } from '@batchite/client';
import { NO_SUCH_POOL } from '../support/ids.js';
import {
  CountingFetch,
  metricSum,
  ratio,
  seconds,
  sized,
  spawnServer,
  sumCounts,
  type SpawnedServer,
} from './helpers.js';

const CLIENTS = sized(20, 50);
const RATE = Number(process.env.BATCHITE_RESILIENCE_STORM_RATE ?? sized(80, 200));
const TASKS_PER_CLIENT = 20;
/** Successful requests each client needs: one job, its tasks created, then read back. */
const REQUESTS_PER_CLIENT = 1 + 2 * TASKS_PER_CLIENT;

interface ClientRun {
  wire: CountingFetch;
  /** `created`/`existed` of the job and each task, in order; `failed` where the call threw. */
  statuses: string[];
  commandLines: Map<string, string>;
  /** Calls that threw, as `operation: code (giveUpReason)`. */
  failures: string[];
}

async function clientWork(server: SpawnedServer, index: number): Promise<ClientRun> {
  const wire = new CountingFetch();
  const client = new BatchClient({
    endpoint: server.url,
    accountName: server.accountName,
    accountKey: server.accountKey,
    fetch: wire.fetch,
  });
  const run: ClientRun = { wire, statuses: [], commandLines: new Map(), failures: [] };
  // Every call is made even when an earlier one failed, so one give-up shows as one failure plus its knock-on.
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      const detail = isBatchError(error)
        ? `${error.code} (${error.giveUpReason ?? error.kind})`
        : String(error);
      run.failures.push(`${operation}: ${detail}`);
      return undefined;
    }
  };
  const jobId = `storm-${index}`;
  const job = await call('createJob', () =>
    client.createJob({ id: jobId, poolInfo: { poolId: NO_SUCH_POOL } }),
  );
  run.statuses.push(job?.status ?? 'failed');
  for (let i = 0; i < TASKS_PER_CLIENT; i++) {
    const task = { id: `t${i}`, commandLine: `/bin/sh -c "echo ${jobId} ${i}"` };
    run.statuses.push((await call('createTask', () => client.createTask(jobId, task)))?.status ?? 'failed');
  }
  for (let i = 0; i < TASKS_PER_CLIENT; i++) {
    const task = await call('getTask', () => client.getTask(jobId, `t${i}`));
    if (task !== undefined) run.commandLines.set(task.id!, task.commandLine ?? '');
  }
  return run;
}

describe(`throttling storm: ${CLIENTS} clients against a rate limit of ${RATE}/s`, () => {
  let server: SpawnedServer;

  before(async () => {
    server = await spawnServer({ rateLimit: RATE });
  });
  after(async () => {
    await server?.dispose();
  });

  it('completes all work with the default retry policy', async (t) => {
    const started = Date.now();
    const runs = await Promise.all(Array.from({ length: CLIENTS }, (_, index) => clientWork(server, index)));
    const makespan = Date.now() - started;

    const wire = sumCounts(runs.map((run) => run.wire));
    const throttledOnServer = await metricSum(server, 'batchite_throttled_responses_total');
    const needed = CLIENTS * REQUESTS_PER_CLIENT;
    const rejected = wire.status(429) + wire.status(503);
    const ideal = (needed / RATE) * 1000;
    const idealAfterBurst = (Math.max(0, needed - RATE) / RATE) * 1000;
    const failures = runs.flatMap((run) => run.failures);
    const byFailure = new Map<string, number>();
    for (const failure of failures) byFailure.set(failure, (byFailure.get(failure) ?? 0) + 1);
    const lines = [
      `figure throttling-storm: clients=${CLIENTS} rate=${RATE}/s work=${REQUESTS_PER_CLIENT} requests per client`,
      `requests sent=${wire.requests} successes=${wire.successes} 429=${wire.status(429)} 503=${wire.status(503)} networkErrors=${wire.networkErrors} (server counted ${throttledOnServer} throttled)`,
      `rejected calls per success=${ratio(rejected, wire.successes)}; calls that gave up=${failures.length} ${JSON.stringify(Object.fromEntries(byFailure))}`,
      `makespan=${seconds(makespan)} ideal=${seconds(ideal)} (successful requests / rate) makespan/ideal=${ratio(makespan, ideal)}`,
      `ideal counting the initial burst of ${RATE} requests=${seconds(idealAfterBurst)} makespan/that=${ratio(makespan, idealAfterBurst)}`,
    ];
    for (const line of lines) t.diagnostic(line);

    assert.deepEqual([...byFailure], [], `${failures.length} of ${needed} calls did not complete`);
    for (const [index, run] of runs.entries()) {
      assert.deepEqual(
        run.statuses,
        Array.from({ length: 1 + TASKS_PER_CLIENT }, () => 'created'),
        `client ${index}: a 429 is never ambiguous, so every create is 'created'`,
      );
      for (let i = 0; i < TASKS_PER_CLIENT; i++) {
        assert.equal(run.commandLines.get(`t${i}`), `/bin/sh -c "echo storm-${index} ${i}"`);
      }
    }
    assert.equal(wire.successes, needed, 'one successful request per unit of work, no more');
    // Read back through one more default client (it is throttled too): every job holds exactly its tasks.
    const reader = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
    });
    for (let index = 0; index < CLIENTS; index++) {
      const ids: string[] = [];
      for await (const task of reader.listTasks(`storm-${index}`, { select: 'id' })) ids.push(task.id!);
      assert.equal(ids.length, TASKS_PER_CLIENT, `storm-${index} holds each of its tasks once`);
      assert.equal(new Set(ids).size, TASKS_PER_CLIENT);
    }
  });
});
