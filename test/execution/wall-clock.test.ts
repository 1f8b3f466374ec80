/**
 * Task `constraints.maxWallClockTime` (the Azure Batch REST reference; docs/task-semantics.md): a task running past it is killed
 * and completes as a failure that is not retried, even with retries left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { addRunJob, processExists, taskInState, withRunner } from './helpers.js';

/** Far below the task's own 30 s: a task that is not killed cannot complete in time. */
const LIMIT_TIMEOUT_MS = 15_000;

void describe('task maxWallClockTime', () => {
  const runner = withRunner({ slots: 2 });

  void it('sleep 30 with maxWallClockTime PT2S → killed, completed failure, not retried', async (t) => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('slow');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: scratch.sleeper(taskId, 30),
      constraints: { maxWallClockTime: 'PT2S', maxTaskRetryCount: 3 },
    });
    const pid = await scratch.pid(taskId);
    const task = await taskInState(runner, jobId, taskId, 'completed', { timeoutMs: LIMIT_TIMEOUT_MS });
    const info = task.executionInfo!;
    t.diagnostic(
      `wall-clock kill: exitCode ${info.exitCode}, failureInfo ${JSON.stringify(info.failureInfo)}`,
    );
    assert.equal(info.result, 'failure');
    assert.equal(info.failureInfo?.category, 'usererror');
    assert.equal(info.failureInfo?.code, 'TaskEnded');
    assert.equal(info.retryCount, 0, 'a wall-clock kill is not retried');
    const ran = info.endTime!.getTime() - info.startTime!.getTime();
    assert.ok(ran >= 2_000, `ran ${ran} ms: at least the limit`);
    assert.ok(ran < 10_000, `ran ${ran} ms: killed soon after the limit`);
    await waitFor(() => !processExists(pid), { what: `process ${pid} gone after the wall-clock kill` });
    assert.equal(await scratch.runs(taskId), 1, 'exactly one execution');
    const counts = await client.job.getTaskCounts(jobId);
    assert.equal(counts.taskCounts.failed, 1);
  });
});
