/**
 * Resilience 3 (issue 5): tasks with `maxTaskRetryCount: 2` run on real local nodes (2 agents × 3 slots, child
 * processes) while nodes fail. Node faults — a node cut off (`nodeOffline`: its calls are dropped past its
 * lease) and kill -9 of an agent process — must requeue the tasks they hit without spending a retry; scripted
 * `exitCode` faults must spend retries exactly as configured; every task must reach its expected final state.
 *
 * Three jobs on one pool:
 * - `plain` (80 %): only node faults can hit them → success, retryCount 0, requeueCount 0.
 * - `fail-first` (10 %, highest priority): run 1 exits 3 → success with retryCount 1. Node faults start only
 *   once every run 1 of this job has been reported, so no node fault can swallow it (a lost run 1 would
 *   rightly end with retryCount 0, and the expectation would depend on timing).
 * - `fail-always` (10 %, one task at a time, so its runs spread over the whole run): runs 1–8 exit 3 → failure
 *   after exactly 2 retries (retryCount 2, exit code 3). Eight runs rather than three because a requeued run
 *   also counts as a run: the extra rules keep the expectation exact when a node fault hits one of its runs.
 *
 * Size: 200 tasks, one round of node faults; `BATCHITE_RESILIENCE_FULL=1`: 1,000 tasks, three rounds.
 * Server in this process (short leases: 3 s, heartbeat 1 s), agents as child processes.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BatchClient } from '@batchite/client';
import { childProcessNodeLauncher } from '@batchite/cli';
import { startServer, type LaunchedNode, type NodeLauncher, type RunningServer } from '@batchite/server';
import { rawRequest } from '../support/raw.js';
import { waitFor } from '../support/wait.js';
import { getFaults, metricSum, putFaults, seconds, sized, type FaultRule } from './helpers.js';

const TASKS = sized(200, 1_000);
const ROUNDS = sized(1, 3);
const FAIL_FIRST = TASKS / 10;
const FAIL_ALWAYS = TASKS / 10;
const PLAIN = TASKS - FAIL_FIRST - FAIL_ALWAYS;
const POOL = 'resilience-nodes';
const NODES = 2;
const SLOTS = 3;
const LEASE_MS = 3_000;
/** Longer than a lease plus a maintenance tick, so the node's tasks are surely requeued. */
const OFFLINE_MS = 6_000;
const FORCED_RUNS = 8;
const RUN_TIMEOUT_MS = sized(120_000, 600_000);

/** Wraps the real launcher to see the agents' process ids (as test/crash/agent-kill.test.ts does). */
function recordingLauncher(launched: LaunchedNode[]): NodeLauncher {
  const real = childProcessNodeLauncher({ stdio: 'ignore' });
  return {
    launch(request) {
      const node = real.launch(request);
      launched.push(node);
      return node;
    },
  };
}

function scriptedRules(): FaultRule[] {
  const rules: FaultRule[] = [
    {
      id: 'fail-first-1',
      match: { jobId: 'fail-first' },
      action: { type: 'exitCode', attempt: 1, exitCode: 3 },
    },
  ];
  for (let attempt = 1; attempt <= FORCED_RUNS; attempt++) {
    rules.push({
      id: `fail-always-${attempt}`,
      match: { jobId: 'fail-always' },
      action: { type: 'exitCode', attempt, exitCode: 3 },
    });
  }
  return rules;
}

describe(`node faults while ${TASKS} tasks with maxTaskRetryCount 2 run`, () => {
  let dir: string;
  let server: RunningServer;
  let client: BatchClient;
  const launched: LaunchedNode[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-node-faults-'));
    server = await startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      logLevel: false,
      leases: { leaseMs: LEASE_MS, heartbeatMs: 1_000 },
      nodeLauncher: recordingLauncher(launched),
    });
    client = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
    });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function nodeStates(): Promise<Record<string, string>> {
    const states: Record<string, string> = {};
    for await (const node of client.listNodes(POOL)) states[node.id!] = node.state ?? '?';
    return states;
  }

  /** Waits until the node is back at work (idle or running) after a fault. */
  async function nodeBack(nodeId: string): Promise<void> {
    let last: unknown;
    await waitFor(
      async () => {
        last = await nodeStates();
        const state = (last as Record<string, string>)[nodeId];
        return state === 'idle' || state === 'running';
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `node ${nodeId} back`, lastSeen: () => last },
    );
  }

  async function addRule(rule: FaultRule): Promise<void> {
    const reply = await rawRequest(server, {
      method: 'POST',
      path: '/.batchite/faults',
      apiVersion: null,
      body: rule,
    });
    assert.equal(reply.status, 201, reply.text);
  }

  /** Waits until the node runs tasks, so the fault that follows has something to requeue. */
  async function nodeRunning(nodeId: string): Promise<void> {
    let last: unknown;
    await waitFor(
      async () => {
        last = await nodeStates();
        return (last as Record<string, string>)[nodeId] === 'running';
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `node ${nodeId} running tasks`, lastSeen: () => last },
    );
  }

  /** One round: node 1 goes offline past its lease, then node 2's agent is killed with SIGKILL. */
  async function faultRound(round: number, nodeIds: string[]): Promise<void> {
    const [first, second] = nodeIds as [string, string];
    const requeuedBefore = await metricSum(server, 'batchite_task_requeues_total', { reason: 'node_lost' });
    await nodeRunning(first);
    await addRule({
      id: `offline-${round}`,
      match: { nodeId: first },
      count: 1,
      action: { type: 'nodeOffline', ms: OFFLINE_MS },
    });
    await waitFor(async () => (await nodeStates())[first] === 'offline', {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `node ${first} offline`,
    });
    await nodeBack(first);
    await nodeRunning(second);
    const agent = launched.filter((node) => node.nodeId === second).at(-1);
    assert.ok(agent?.pid, `the agent of ${second} runs as its own process`);
    const launches = launched.length;
    process.kill(agent.pid, 'SIGKILL');
    await waitFor(() => launched.length > launches, { timeoutMs: 30_000, what: `a new agent for ${second}` });
    await nodeBack(second);
    const requeuedAfter = await metricSum(server, 'batchite_task_requeues_total', { reason: 'node_lost' });
    assert.ok(requeuedAfter > requeuedBefore, `round ${round}: the node faults requeued running tasks`);
  }

  async function allCompleted(): Promise<void> {
    const totals: Record<string, number> = {
      plain: PLAIN,
      'fail-first': FAIL_FIRST,
      'fail-always': FAIL_ALWAYS,
    };
    let last: unknown;
    await waitFor(
      async () => {
        const counts = await Promise.all(Object.keys(totals).map((jobId) => client.getJobTaskCounts(jobId)));
        last = counts.map((c) => c.taskCounts);
        return counts.every((c, i) => c.taskCounts.completed === Object.values(totals)[i]);
      },
      { timeoutMs: RUN_TIMEOUT_MS, intervalMs: 500, what: 'every task completed', lastSeen: () => last },
    );
  }

  /** The three jobs of the table at the top, every task logging its real runs to `log`. */
  async function submitWork(log: string): Promise<void> {
    const command = `/bin/sh -c 'echo $AZ_BATCH_JOB_ID/$AZ_BATCH_TASK_ID >> ${log}; sleep 0.2'`;
    const jobs = [
      { id: 'fail-first', priority: 1000, count: FAIL_FIRST },
      { id: 'fail-always', priority: 500, maxParallelTasks: 1, count: FAIL_ALWAYS },
      { id: 'plain', priority: 0, count: PLAIN },
    ];
    for (const { count, ...job } of jobs) {
      await client.createJob({ ...job, poolInfo: { poolId: POOL } });
      const tasks = Array.from({ length: count }, (_, i) => ({
        id: `t${String(i).padStart(4, '0')}`,
        commandLine: command,
        constraints: { maxTaskRetryCount: 2 },
      }));
      const outcomes = await client.createTasks(job.id, tasks);
      assert.ok(outcomes.every((o) => o.status === 'created'));
    }
  }

  /** Lists a job's tasks and returns how many were listed and which ended differently than `want`. */
  async function checkJob(
    jobId: string,
    want: { result: string; retryCount: number; exitCode: number },
  ): Promise<{ listed: number; wrong: string[] }> {
    const expected = JSON.stringify({ state: 'completed', ...want, requeueCount: 0 });
    const ids = new Set<string>();
    const wrong: string[] = [];
    let listed = 0;
    for await (const task of client.listTasks(jobId)) {
      listed++;
      ids.add(task.id!);
      const info = task.executionInfo;
      const got = JSON.stringify({
        state: task.state,
        result: info?.result,
        retryCount: info?.retryCount,
        exitCode: info?.exitCode,
        requeueCount: info?.requeueCount,
      });
      if (got !== expected) wrong.push(`${jobId}/${task.id}: expected ${expected}, got ${got}`);
    }
    assert.equal(ids.size, listed, `${jobId}: no task listed twice`);
    return { listed, wrong };
  }

  it('requeues node-fault victims without a retry, spends scripted retries exactly, loses nothing', async (t) => {
    const started = Date.now();
    await client.createPool({
      id: POOL,
      vmSize: 'local',
      targetDedicatedNodes: NODES,
      taskSlotsPerNode: SLOTS,
    });
    await waitFor(
      async () => Object.values(await nodeStates()).filter((s) => s === 'idle').length === NODES,
      { timeoutMs: 30_000, intervalMs: 100, what: `${NODES} idle nodes` },
    );
    const nodeIds = Object.keys(await nodeStates()).sort();
    await putFaults(server, { seed: 5, rules: scriptedRules() });
    const log = join(dir, 'runs.log');
    // Every task appends to it; under a root agent each runs as its own user.
    await chmod(dir, 0o711);
    await writeFile(log, '');
    await chmod(log, 0o666);
    await submitWork(log);

    // Every fail-first run 1 reported (retryCount 1 or already completed) before any node fault.
    await waitFor(
      async () => {
        for await (const task of client.listTasks('fail-first', { select: 'id,state,executionInfo' })) {
          if (task.state !== 'completed' && (task.executionInfo?.retryCount ?? 0) < 1) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'every fail-first run 1 reported' },
    );
    const runsBeforeFaults = await metricSum(server, 'batchite_task_attempts_total');
    for (let round = 1; round <= ROUNDS; round++) await faultRound(round, nodeIds);
    await allCompleted();
    const makespan = Date.now() - started;

    const results = {
      plain: await checkJob('plain', { result: 'success', retryCount: 0, exitCode: 0 }),
      failFirst: await checkJob('fail-first', { result: 'success', retryCount: 1, exitCode: 0 }),
      failAlways: await checkJob('fail-always', { result: 'failure', retryCount: 2, exitCode: 3 }),
    };
    const wrong = Object.values(results).flatMap((result) => result.wrong);
    const listed = {
      plain: results.plain.listed,
      failFirst: results.failFirst.listed,
      failAlways: results.failAlways.listed,
    };
    const retries = await metricSum(server, 'batchite_task_retries_total');
    const requeues = await metricSum(server, 'batchite_task_requeues_total', { reason: 'node_lost' });
    const faults = await getFaults(server);
    const injected = Object.fromEntries(faults.rules.map((rule) => [rule.id, rule.injected]));
    const runs = new Map<string, number>();
    for (const line of (await readFile(log, 'utf8')).split('\n').filter(Boolean))
      runs.set(line, (runs.get(line) ?? 0) + 1);
    const plainRan = [...runs.keys()].filter((key) => key.startsWith('plain/')).length;
    const plainRerun = [...runs].filter(([key, count]) => key.startsWith('plain/') && count > 1).length;
    const lines = [
      `figure node-faults: tasks=${TASKS} (plain ${PLAIN}, fail-first ${FAIL_FIRST}, fail-always ${FAIL_ALWAYS}) nodes=${NODES}x${SLOTS} rounds=${ROUNDS} makespan=${seconds(makespan)}`,
      `requeues (node lost)=${requeues} retries=${retries} runs finished before the first node fault=${runsBeforeFaults} runs total=${await metricSum(server, 'batchite_task_attempts_total')}`,
      `plain tasks that started more than once=${plainRerun}; agents launched=${launched.length}; tasks ended differently than configured=${wrong.length}`,
      `injected: ${JSON.stringify(injected)}`,
    ];
    for (const line of lines) t.diagnostic(line);

    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} tasks ended differently than configured`);
    assert.deepEqual(
      listed,
      { plain: PLAIN, failFirst: FAIL_FIRST, failAlways: FAIL_ALWAYS },
      'no task lost',
    );
    assert.equal(plainRan, PLAIN, 'every plain task ran');
    assert.equal(
      retries,
      FAIL_FIRST + 2 * FAIL_ALWAYS,
      'retries spent = the scripted ones, none for node faults',
    );
    assert.equal(injected['fail-first-1'], FAIL_FIRST, 'one forced failure per fail-first task');
    assert.ok(requeues >= ROUNDS, 'node faults requeued tasks');
  });
});
