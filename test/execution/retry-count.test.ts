/**
 * a task that exits non-zero is retried `maxTaskRetryCount` times by the
 * service, counted for real (each run appends a line to a file outside the task directory, whose wd/ is wiped
 * between runs). Also: job-level constraints are inherited, and a program that is not there is not retried.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { addRunJob, sh, taskInState, withRunner } from './helpers.js';

void describe('task retries (scenario 7)', () => {
  const runner = withRunner({ slots: 4 });

  void it('exit 1 with maxTaskRetryCount 2 → 3 runs, completed failure FailureExitCode, retryCount 2', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('fail');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 1`),
      constraints: { maxTaskRetryCount: 2 },
    });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    const info = task.executionInfo;
    assert.ok(info, 'executionInfo present');
    assert.deepEqual(
      {
        retryCount: info.retryCount,
        requeueCount: info.requeueCount,
        exitCode: info.exitCode,
        result: info.result,
        category: info.failureInfo?.category,
        code: info.failureInfo?.code,
      },
      {
        retryCount: 2,
        requeueCount: 0,
        exitCode: 1,
        result: 'failure',
        category: 'usererror',
        code: 'FailureExitCode',
      },
    );
    assert.ok(info.lastRetryTime instanceof Date, 'lastRetryTime is set after retries');
    assert.ok(info.startTime instanceof Date && info.endTime instanceof Date, 'startTime and endTime set');
    assert.ok(info.lastRetryTime.getTime() <= info.endTime.getTime(), 'lastRetryTime is not after endTime');
    assert.equal(await scratch.runs(taskId), 3, 'maxTaskRetryCount 2 allows exactly 3 executions');
    const counts = await client.job.getTaskCounts(jobId);
    assert.deepEqual(counts.taskCounts, { active: 0, running: 0, completed: 1, succeeded: 0, failed: 1 });
  });

  void it('exit 0 → completed success, no failureInfo, retryCount 0, one run', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('ok');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 0`),
      constraints: { maxTaskRetryCount: 2 },
    });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    const info = task.executionInfo!;
    assert.equal(info.result, 'success');
    assert.equal(info.exitCode, 0);
    assert.equal(info.retryCount, 0);
    assert.equal(info.failureInfo, undefined, 'no failureInfo on success');
    assert.equal(info.lastRetryTime, undefined, 'no lastRetryTime without retries');
    assert.equal(await scratch.runs(taskId), 1);
    const counts = await client.job.getTaskCounts(jobId);
    assert.deepEqual(counts.taskCounts, { active: 0, running: 0, completed: 1, succeeded: 1, failed: 0 });
  });

  void it("a task without constraints inherits the job's maxTaskRetryCount", async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { constraints: { maxTaskRetryCount: 1 } });
    const taskId = uniqueId('inherit');
    await client.task.add(jobId, { id: taskId, commandLine: sh(`${scratch.mark(taskId)}; exit 7`) });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.constraints?.maxTaskRetryCount, 1, "the task shows the job's maxTaskRetryCount");
    assert.equal(task.executionInfo?.retryCount, 1);
    assert.equal(task.executionInfo?.exitCode, 7);
    assert.equal(task.executionInfo?.failureInfo?.code, 'FailureExitCode');
    assert.equal(await scratch.runs(taskId), 2, 'maxTaskRetryCount 1 from the job allows 2 executions');
  });

  void it('program not found → completed with CommandProgramNotFound, not retried', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const missing = scratch.path('no-such-program');
    const taskId = uniqueId('missing');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: `${missing} --flag`,
      constraints: { maxTaskRetryCount: 3 },
    });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    const info = task.executionInfo!;
    assert.equal(info.result, 'failure');
    assert.equal(info.failureInfo?.category, 'usererror');
    assert.equal(info.failureInfo?.code, 'CommandProgramNotFound');
    assert.equal(info.retryCount, 0, 'launch failures are not retried');
    const counts = await client.job.getTaskCounts(jobId);
    assert.equal(counts.taskCounts.failed, 1);
  });
});
