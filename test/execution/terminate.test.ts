/**
 * task terminate ends a running task (failureInfo `TaskEnded`) and its process
 * really goes away; a second terminate is 409 `TaskCompleted`. Job terminate completes the job with the caller's
 * reason (default `UserTerminate`), ends its running tasks, and later task adds are 409 `JobCompleted`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { addRunJob, jobInState, processExists, taskInState, withRunner, type Runner } from './helpers.js';

/** The heartbeat that carries the kill comes every 2 s; 15 s leaves room for a loaded machine. */
const KILL_TIMEOUT_MS = 15_000;

function processGone(pid: number): Promise<true> {
  return waitFor(() => !processExists(pid), { timeoutMs: KILL_TIMEOUT_MS, what: `process ${pid} to exit` });
}

/** Adds a `sleep 60` task, waits until it runs, and returns the sleeping process's pid. */
async function startSleeper(runner: Runner, jobId: string, taskId: string): Promise<number> {
  await runner.client.task.add(jobId, { id: taskId, commandLine: runner.scratch.sleeper(taskId, 60) });
  await taskInState(runner, jobId, taskId, 'running');
  const pid = await runner.scratch.pid(taskId);
  assert.ok(processExists(pid), 'the task process is alive while the task is running');
  return pid;
}

void describe('terminate (scenario 9)', () => {
  const runner = withRunner({ slots: 4 });

  void it('task terminate on a running task → 204, completed TaskEnded, process gone; again → 409', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('sleeper');
    const pid = await startSleeper(runner, jobId, taskId);
    const started = Date.now();

    const response = await client.task.terminate(jobId, taskId);
    assert.equal(response._response.status, 204);
    const task = await taskInState(runner, jobId, taskId, 'completed');
    const info = task.executionInfo!;
    assert.equal(info.result, 'failure');
    assert.equal(info.failureInfo?.code, 'TaskEnded');
    assert.equal(info.failureInfo?.category, 'usererror');
    assert.equal(info.retryCount, 0);
    await processGone(pid);
    assert.ok(Date.now() - started < 60_000, 'killed, not run to its end');
    assert.equal(await scratch.runs(taskId), 1, 'a terminated task is not run again');

    await expectBatchError(client.task.terminate(jobId, taskId), { statusCode: 409, code: 'TaskCompleted' });
    const counts = await client.job.getTaskCounts(jobId);
    assert.equal(counts.taskCounts.failed, 1);
  });

  void it('task terminate on an active task → 204, completed TaskEnded, never runs', async () => {
    const { client, scratch } = runner;
    // A job on another pool: its task stays active, so terminate meets it there.
    const jobId = uniqueId('idle');
    await client.job.add({ id: jobId, poolInfo: { poolId: uniqueId('nopool') } });
    const taskId = uniqueId('waiting');
    await client.task.add(jobId, { id: taskId, commandLine: scratch.sleeper(taskId, 60) });
    const response = await client.task.terminate(jobId, taskId);
    assert.equal(response._response.status, 204);
    const task = await client.task.get(jobId, taskId);
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
    assert.equal(await scratch.runs(taskId), 0);
  });

  void it("job terminate with a reason → 202, job completed with 'X', its running task ended", async () => {
    const { client } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('sleeper');
    const pid = await startSleeper(runner, jobId, taskId);

    const response = await client.job.terminate(jobId, { terminateReason: 'X' });
    assert.equal(response._response.status, 202);
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'X');
    assert.ok(job.executionInfo?.endTime instanceof Date, 'job endTime set');
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
    await processGone(pid);

    await expectBatchError(client.task.add(jobId, { id: uniqueId('late'), commandLine: '/bin/true' }), {
      statusCode: 409,
      code: 'JobCompleted',
    });
  });

  void it('job terminate without a reason → UserTerminate, running task killed', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('sleeper');
    const pid = await startSleeper(runner, jobId, taskId);
    const response = await client.job.terminate(jobId);
    assert.equal(response._response.status, 202);
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'UserTerminate');
    await processGone(pid);
    assert.equal(await scratch.runs(taskId), 1);
  });

  void it('job terminate leaves active tasks active, and they never run', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const waiting = uniqueId('waiting');
    // Never runnable on its own: its parent does not exist yet.
    await client.task.add(jobId, {
      id: waiting,
      commandLine: scratch.sleeper(waiting, 1),
      dependsOn: { taskIds: ['parent-never-added'] },
    });
    await client.job.terminate(jobId);
    await jobInState(runner, jobId, 'completed');
    const task = await client.task.get(jobId, waiting);
    assert.equal(task.state, 'active', 'job terminate does not complete active tasks');
    assert.equal(await scratch.runs(waiting), 0);
  });
});
