/**
 * Resilience (issue 13, point 4): our `BatchClient` with its DEFAULT options runs `createTasks` in several calls
 * while the server is killed with SIGKILL and restarted on the same port and data directory, several times.
 * Requests in flight at a kill die with a reset (their outcome unknown); while the server is down, connections
 * are refused and the calls ride through on the host's shared probe. Every call must succeed, every task must be
 * stored exactly once with its own command line, and every task runs on the server's local node and succeeds
 * with no run charged as a retry (tasks running at a kill are requeued, not retried).
 *
 * Size: 3,000 tasks in 10 calls (two at a time), 3 kills; `BATCHITE_RESILIENCE_FULL=1`: 6,000 tasks in 20 calls, 5 kills.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BatchClient, type TaskCreateOutcome } from '@batchite/client';
import type { RetryEvent } from '@batchite/retry';
import { WELL_KNOWN_ACCOUNT } from '@batchite/server';
import { freePort, killHard, startServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';
import { CountingFetch, mapConcurrent, ratio, seconds, sized } from './helpers.js';

const TASKS = sized(3_000, 6_000);
const CALLS = sized(10, 20);
const KILLS = sized(3, 5);
const PER_CALL = TASKS / CALLS;
/** Upper bound for running every task after the last call (a safety net, not a pace). */
const RUN_TIMEOUT_MS = 300_000;
/** The pool `batchite serve` starts its local nodes in. */
const LOCAL_POOL = 'local';

/** `batchite serve` on `port` over `dataDir`. */
function serve(dataDir: string, port: number): Promise<ChildProcess> {
  // One local node of 2 slots: tasks really run, so a kill also loses running tasks, which must come back
  // without a retry charged (a lost node requeues).
  return startServeProcess({ port, dataDir, nodes: 1, slots: 2 });
}

/** Resolves once `count()` reaches `target`; `check` is called after every answered request. */
class Threshold {
  #waiters: Array<{ target: number; resolve: () => void }> = [];
  constructor(private readonly count: () => number) {}
  reached(target: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ target, resolve });
      this.check();
    });
  }
  check(): void {
    const now = this.count();
    this.#waiters = this.#waiters.filter((w) => (now >= w.target ? (w.resolve(), false) : true));
  }
}

describe(`our client with its defaults: createTasks while the server is killed ${KILLS} times`, () => {
  let dataDir: string | undefined;
  let child: ChildProcess | undefined;

  after(async () => {
    if (child) await killHard(child);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('every call succeeds, every task is stored exactly once', { timeout: 1_200_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'batchite-restart-'));
    dataDir = dir;
    const port = await freePort();
    let server = await serve(dir, port);
    child = server;
    let collections = 0;
    const answered = new Threshold(() => collections);
    const wire = new CountingFetch();
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await wire.fetch(input, init);
      if (String(input instanceof Request ? input.url : input).includes('/addtaskcollection')) {
        collections += 1;
        answered.check();
      }
      return response;
    };
    const retries: RetryEvent[] = [];
    const client = new BatchClient({
      endpoint: `http://127.0.0.1:${port}`,
      accountName: WELL_KNOWN_ACCOUNT.name,
      accountKey: WELL_KNOWN_ACCOUNT.key,
      fetch: countingFetch,
    });
    const jobId = 'restart-job';
    await client.createJob({ id: jobId, poolInfo: { poolId: LOCAL_POOL } });

    // Kills spread over the expected collection requests (100 tasks each), then restarts on the same port.
    const expected = Math.ceil(PER_CALL / 100) * CALLS;
    const downtimes: number[] = [];
    const killer = (async () => {
      for (let k = 1; k <= KILLS; k++) {
        await answered.reached(Math.floor((k * expected) / (KILLS + 1)));
        await killHard(server);
        const downAt = Date.now();
        server = await serve(dir, port);
        child = server;
        downtimes.push(Date.now() - downAt);
      }
    })();

    const started = Date.now();
    const outcomes: TaskCreateOutcome[] = [];
    const callErrors: string[] = [];
    // Two calls at a time, so several calls meet each outage and share the host's probe.
    await mapConcurrent(
      Array.from({ length: CALLS }, (_, c) => c),
      2,
      async (c) => {
        const tasks = Array.from({ length: PER_CALL }, (_, i) => {
          const n = c * PER_CALL + i;
          return { id: `t${String(n).padStart(5, '0')}`, commandLine: `/bin/sh -c "echo task ${n}"` };
        });
        try {
          const retry = { onRetry: (e: RetryEvent) => void retries.push(e) };
          outcomes.push(...(await client.createTasks(jobId, tasks, { retry })));
        } catch (error) {
          callErrors.push(`call ${c}: ${String(error)}`);
        }
      },
    );
    const makespan = Date.now() - started;
    await killer;
    const failed = outcomes.filter((o) => o.status === 'failed');
    const refused = retries.filter((e) => e.decision.kind === 'retry' && e.decision.neverArrived === true);
    const failedCalls = new Set(failed.map((o) => Math.floor(Number(o.taskId.slice(1)) / PER_CALL))).size;
    t.diagnostic(
      `figure restarting-server: tasks=${TASKS} calls=${CALLS} kills=${KILLS} makespan=${seconds(makespan)} ` +
        `downtimes=${downtimes.map((d) => seconds(d)).join(',')}`,
    );
    t.diagnostic(
      `requests=${wire.counts.requests} requests/call=${ratio(wire.counts.requests, CALLS + 1)} ` +
        `networkErrors=${wire.counts.networkErrors} retries=${retries.length} never-arrived retries=${refused.length}`,
    );
    t.diagnostic(
      `calls failed=${callErrors.length + failedCalls} tasks failed=${failed.length} ` +
        `existed=${outcomes.filter((o) => o.status === 'existed').length}`,
    );

    assert.equal(downtimes.length, KILLS, 'the server was killed and restarted');
    assert.deepEqual(callErrors, []);
    assert.deepEqual(
      failed.slice(0, 5).map((o) => `${o.taskId}: ${o.error?.code} ${o.error?.giveUpReason ?? ''}`),
      [],
      `${failed.length} tasks failed`,
    );
    assert.equal(outcomes.length, TASKS);

    await waitFor(async () => (await client.getJobTaskCounts(jobId)).taskCounts.completed === TASKS, {
      timeoutMs: RUN_TIMEOUT_MS,
      intervalMs: 250,
      what: 'every task to run',
    });
    const seen = new Map<string, number>();
    for await (const task of client.listTasks(jobId, { select: 'id,commandLine,executionInfo,nodeInfo' })) {
      const id = task.id ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
      assert.equal(task.commandLine, `/bin/sh -c "echo task ${Number(id.slice(1))}"`, `${id} command line`);
      assert.equal(task.executionInfo?.exitCode, 0, `${id} ran and succeeded: ${JSON.stringify(task)}`);
      assert.equal(task.executionInfo?.retryCount ?? 0, 0, `${id} has no run charged as a retry`);
    }
    t.diagnostic(`tasks run and succeeded=${seen.size}, none with a retry charged`);
    assert.equal(seen.size, TASKS, 'every task stored');
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      'no task listed twice',
    );
  });
});
