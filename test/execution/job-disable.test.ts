/**
 * job disable with each `disableTasks` option while a task really runs,
 * then job enable. `requeue` puts the running task back to active (requeueCount + 1, retryCount unchanged) and kills
 * its process; `terminate` ends it with `TaskEnded`; `wait` lets it finish while the job stays `disabling`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import {
  addRunJob,
  jobInState,
  processExists,
  refusedWith,
  RUN_TIMEOUT_MS,
  taskInState,
  withRunner,
  type Runner,
} from './helpers.js';

/** 60 ticks of the gated loop take at least 3 s: longer than the 2 s heartbeat that would carry a kill. */
const PAST_A_HEARTBEAT = 60;

/** Adds a gated task, waits until it runs, and returns its process id. */
async function startGated(runner: Runner, jobId: string, taskId: string): Promise<number> {
  await runner.client.task.add(jobId, { id: taskId, commandLine: runner.scratch.gated(taskId) });
  await taskInState(runner, jobId, taskId, 'running');
  return runner.scratch.pid(taskId);
}

function processGone(pid: number): Promise<true> {
  return waitFor(() => !processExists(pid), { timeoutMs: RUN_TIMEOUT_MS, what: `process ${pid} to exit` });
}

void describe('job disable / enable (scenario 13)', () => {
  const runner = withRunner({ slots: 4 });

  void it('requeue → 202, disabled, task active with requeueCount 1; enable → 202, the task runs again', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { constraints: { maxTaskRetryCount: 2 } });
    const taskId = uniqueId('requeued');
    const firstPid = await startGated(runner, jobId, taskId);

    const disabled = await client.job.disable(jobId, 'requeue');
    assert.equal(disabled._response.status, 202);
    const job = await jobInState(runner, jobId, 'disabled');
    assert.equal(job.previousState, 'disabling', 'disable goes through disabling');
    const task = await taskInState(runner, jobId, taskId, 'active');
    const info = task.executionInfo!;
    assert.deepEqual(
      { requeueCount: info.requeueCount, retryCount: info.retryCount },
      { requeueCount: 1, retryCount: 0 },
    );
    assert.ok(info.lastRequeueTime instanceof Date, 'lastRequeueTime set');
    assert.equal(info.failureInfo, undefined);
    await processGone(firstPid);
    assert.equal(await scratch.runs(taskId), 1, 'not run again while the job is disabled');
    assert.equal((await client.task.get(jobId, taskId)).state, 'active');

    const enabled = await client.job.enable(jobId);
    assert.equal(enabled._response.status, 202);
    await jobInState(runner, jobId, 'active');
    await taskInState(runner, jobId, taskId, 'running');
    await scratch.waitForRuns(taskId, 2);
    const secondPid = await waitFor(async () => {
      const pid = await scratch.pid(taskId);
      return pid !== firstPid ? pid : undefined;
    });
    assert.ok(processExists(secondPid), 'the second run is a live process');
    await scratch.open(taskId);
    const done = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(done.executionInfo?.result, 'success');
    assert.equal(done.executionInfo?.requeueCount, 1);
    assert.equal(done.executionInfo?.retryCount, 0, 'a requeue spends no retry');
  });

  void it('terminate → running task completed with TaskEnded, job disabled', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('ended');
    const pid = await startGated(runner, jobId, taskId);
    const disabled = await client.job.disable(jobId, 'terminate');
    assert.equal(disabled._response.status, 202);
    await jobInState(runner, jobId, 'disabled');
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.result, 'failure');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
    assert.equal(task.executionInfo?.requeueCount, 0);
    await processGone(pid);
    assert.equal(await scratch.runs(taskId), 1);
  });

  void it('wait → the task keeps running and the job stays disabling until it ends, then disabled', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('waited');
    const pid = await startGated(runner, jobId, taskId);
    const disabled = await client.job.disable(jobId, 'wait');
    assert.equal(disabled._response.status, 202);
    assert.equal((await client.job.get(jobId)).state, 'disabling');

    await scratch.waitForTicks(taskId, PAST_A_HEARTBEAT);
    assert.ok(processExists(pid), 'the process was not killed');
    assert.equal((await client.task.get(jobId, taskId)).state, 'running');
    assert.equal((await client.job.get(jobId)).state, 'disabling', 'disabling while a task still runs');

    await scratch.open(taskId);
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.result, 'success', 'the task finished on its own');
    await jobInState(runner, jobId, 'disabled');
  });

  void it('disable on a completed job → 409', async (t) => {
    const { client } = runner;
    const jobId = await addRunJob(runner);
    await client.job.terminate(jobId);
    await jobInState(runner, jobId, 'completed');
    const code = await refusedWith(client.job.disable(jobId, 'requeue'), 409);
    t.diagnostic(`job disable on a completed job: 409 ${code}`);
    assert.equal((await client.job.get(jobId)).state, 'completed');
  });
});
