/**
 * Statistics with real numbers through the official SDK: `$expand=stats` on tasks, jobs and pools, and the
 * account's lifetime statistics, from runs the agents measured (CPU time of the process tree, bytes written).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { parseDuration } from '@batchite/protocol';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { waitForState, waitUntilGone } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const RUN_TIMEOUT_MS = 30_000;
const GIB = 1024 ** 3;
const WRITTEN = 2 * 1024 * 1024;
/** About 0.3 s of CPU in a grandchild of the task (sh → awk): the measurement must cover the whole tree. */
const BURN = `/bin/sh -c "awk 'BEGIN { for (i = 0; i < 3000000; i++) s += i * i; print s }'"`;
const MEASURED = existsSync('/usr/bin/perl');

function ms(duration: string | undefined): number {
  const value = parseDuration(duration ?? '');
  assert.ok(value !== undefined, `a duration: ${duration}`);
  return value;
}

type Stats = Pick<
  BatchServiceModels.TaskStatistics,
  'userCPUTime' | 'kernelCPUTime' | 'wallClockTime' | 'readIOps' | 'writeIOps' | 'readIOGiB' | 'writeIOGiB'
>;

function sum(all: readonly Stats[]) {
  return {
    userMs: all.reduce((total, s) => total + ms(s.userCPUTime), 0),
    kernelMs: all.reduce((total, s) => total + ms(s.kernelCPUTime), 0),
    wallMs: all.reduce((total, s) => total + ms(s.wallClockTime), 0),
    readIOps: all.reduce((total, s) => total + s.readIOps, 0),
    writeIOps: all.reduce((total, s) => total + s.writeIOps, 0),
    writeBytes: Math.round(all.reduce((total, s) => total + s.writeIOGiB, 0) * GIB),
  };
}

/** The figures of JobStatistics (the SDK adds the response's headers to the object it returns). */
function lifetimeFigures(stats: BatchServiceModels.JobStatistics) {
  return {
    ...sum([stats]),
    startTime: stats.startTime.toISOString(),
    succeeded: stats.numSucceededTasks,
    failed: stats.numFailedTasks,
    retries: stats.numTaskRetries,
    waitTime: stats.waitTime,
  };
}

void describe('statistics', () => {
  const ctx = withServer({ nodes: true });
  let client: BatchServiceClient;
  let poolId: string;
  let jobId: string;

  before(async () => {
    client = sdkClient(ctx.server);
    poolId = await addPool(client, { targetDedicatedNodes: 1 });
    jobId = uniqueId('stats');
    await client.job.add({ id: jobId, poolInfo: { poolId } });
    await client.task.addCollection(jobId, [
      { id: 'burn', commandLine: BURN },
      { id: 'write', commandLine: `/bin/sh -c "head -c ${WRITTEN} /dev/zero > out.bin"` },
      { id: 'fail', commandLine: '/bin/sh -c "exit 1"', constraints: { maxTaskRetryCount: 1 } },
    ]);
    for (const id of ['burn', 'write', 'fail']) {
      await waitForState(() => client.task.get(jobId, id), 'completed', { timeoutMs: RUN_TIMEOUT_MS });
    }
  });

  void it('task stats only with $expand=stats; CPU time measured and within the wall clock', async () => {
    const plain = await client.task.get(jobId, 'burn');
    assert.equal(plain.stats, undefined);
    assert.equal('stats' in (plain as object), false);
    const burn = await client.task.get(jobId, 'burn', { taskGetOptions: { expand: 'stats' } });
    const stats = burn.stats;
    assert.ok(stats !== undefined);
    assert.match(stats.url, /\/jobs\/.+\/tasks\/burn\/stats$/);
    assert.ok(stats.startTime instanceof Date && stats.lastUpdateTime instanceof Date);
    const cpuMs = ms(stats.userCPUTime) + ms(stats.kernelCPUTime);
    const wallMs = ms(stats.wallClockTime);
    const runMs =
      Date.parse(String(burn.executionInfo?.endTime?.toISOString())) -
      Date.parse(String(burn.executionInfo?.startTime?.toISOString()));
    assert.equal(wallMs, runMs, 'one run: the wall clock is its start → end');
    if (MEASURED) {
      assert.ok(cpuMs > 0, `cpu ${cpuMs} ms`);
      // One process at a time: CPU time cannot exceed the wall clock beyond the 10 ms tick it is counted in.
      assert.ok(cpuMs <= wallMs + 20, `cpu ${cpuMs} ms, wall ${wallMs} ms`);
    }
    assert.ok(ms(stats.waitTime) >= 0);
  });

  void it(
    'bytes written to a file are counted',
    { skip: !MEASURED || !existsSync('/proc/self/io') },
    async () => {
      const write = await client.task.get(jobId, 'write', { taskGetOptions: { expand: 'stats' } });
      const bytes = Math.round((write.stats?.writeIOGiB ?? 0) * GIB);
      assert.ok(bytes >= WRITTEN, `writeIOGiB ${write.stats?.writeIOGiB} = ${bytes} bytes`);
      assert.ok((write.stats?.writeIOps ?? 0) > 0);
    },
  );

  void it('the job aggregates equal the sum of its task stats; counts of successes, failures, retries', async () => {
    const tasks = await client.task.list(jobId, { taskListOptions: { expand: 'stats' } });
    assert.equal(tasks.length, 3);
    const expected = sum(tasks.map((task) => task.stats as Stats));
    const job = await client.job.get(jobId, { jobGetOptions: { expand: 'stats' } });
    const stats = job.stats;
    assert.ok(stats !== undefined);
    assert.deepEqual(sum([stats]), expected);
    assert.deepEqual(
      [stats.numSucceededTasks, stats.numFailedTasks, stats.numTaskRetries],
      [2, 1, 1],
      'fail ran twice (one retry) and failed',
    );
    assert.equal(stats.waitTime, 'PT0S', 'Batch reports wait time only in the lifetime statistics');
    assert.equal(stats.startTime.toISOString(), job.creationTime?.toISOString());
    const listed = await client.job.list({ jobListOptions: { expand: 'stats', filter: `id eq '${jobId}'` } });
    assert.deepEqual(listed[0]?.stats, stats);
    assert.equal((await client.job.get(jobId)).stats, undefined);
  });

  void it('pool stats: node core time and the disk I/O of its task runs; unmeasured node figures are 0', async () => {
    const pool = await client.pool.get(poolId, { poolGetOptions: { expand: 'stats' } });
    const tasks = await client.task.list(jobId, { taskListOptions: { expand: 'stats' } });
    const expected = sum(tasks.map((task) => task.stats as Stats));
    const resource = pool.stats?.resourceStats;
    assert.ok(resource !== undefined);
    assert.equal(resource.diskWriteIOps, expected.writeIOps);
    assert.equal(Math.round(resource.diskWriteGiB * GIB), expected.writeBytes);
    assert.equal(resource.avgMemoryGiB, 0);
    // The node has been in the pool since before the tasks ran: its core time covers at least their wall clock
    // (one slot counted as one core; the three tasks ran one after another or side by side on it).
    const coreMs = ms(pool.stats?.usageStats?.dedicatedCoreTime);
    assert.ok(coreMs >= Math.max(...tasks.map((task) => ms(task.stats?.wallClockTime))), `core ${coreMs} ms`);
    const listed = await client.pool.list({
      poolListOptions: { expand: 'stats', filter: `id eq '${poolId}'` },
    });
    assert.equal(listed[0]?.stats?.resourceStats?.diskWriteIOps, expected.writeIOps);
  });

  void it('an expansion other than stats is 400 InvalidQueryParameterValue', async () => {
    const unretried = sdkClient(ctx.server, { retries: false });
    await expectBatchError(unretried.job.get(jobId, { jobGetOptions: { expand: 'tasks' } }), {
      statusCode: 400,
      code: 'InvalidQueryParameterValue',
    });
    await expectBatchError(unretried.task.list(jobId, { taskListOptions: { expand: 'stats,files' } }), {
      statusCode: 400,
      code: 'InvalidQueryParameterValue',
    });
  });

  void it('lifetime statistics cover every run and survive deleting the job', async () => {
    const tasks = await client.task.list(jobId, { taskListOptions: { expand: 'stats' } });
    const jobSums = sum(tasks.map((task) => task.stats as Stats));
    const before = await client.job.getAllLifetimeStatistics();
    assert.match(before.url, /\/lifetimejobstats$/);
    assert.ok(before.numSucceededTasks >= 2 && before.numFailedTasks >= 1 && before.numTaskRetries >= 1);
    assert.ok(ms(before.userCPUTime) >= jobSums.userMs);
    assert.ok(ms(before.wallClockTime) >= jobSums.wallMs);
    await client.job.deleteMethod(jobId);
    await waitUntilGone(() => client.job.get(jobId), 'JobNotFound', ['active', 'deleting'], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const after = await client.job.getAllLifetimeStatistics();
    assert.deepEqual(lifetimeFigures(after), lifetimeFigures(before), 'deleting a job takes nothing away');
    // The pool first: its nodes' time only grows, so the lifetime figure read after it covers it.
    const pool = await client.pool.get(poolId, { poolGetOptions: { expand: 'stats' } });
    const pools = await client.pool.getAllLifetimeStatistics();
    assert.match(pools.url, /\/lifetimepoolstats$/);
    assert.ok((pools.resourceStats?.diskWriteIOps ?? 0) >= jobSums.writeIOps);
    assert.ok(ms(pools.usageStats?.dedicatedCoreTime) >= ms(pool.stats?.usageStats?.dedicatedCoreTime));
  });
});
