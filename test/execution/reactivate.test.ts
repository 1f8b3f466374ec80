/**
 * a completed, failed task goes back to `active` with
 * `retryCount` 0 and its exit code and failureInfo cleared, then really runs again; a succeeded task and a
 * running task are refused with 409.
 *
 * To see the reactivated task in `active` without racing the scheduler, the slots of the pool's only node are
 * first filled by tasks that wait on a gate; the gates open once the test has looked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { addRunJob, refusedWith, sh, taskInState, withRunner } from './helpers.js';

const SLOTS = 2;

void describe('task reactivate (scenario 8)', () => {
  const runner = withRunner({ nodes: 1, slots: SLOTS });

  void it('failed task → 204, active with retryCount 0 and no exit info, then it runs again', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('failing');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 5`),
      constraints: { maxTaskRetryCount: 1 },
    });
    const failed = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(failed.executionInfo?.retryCount, 1);
    assert.equal(failed.executionInfo?.failureInfo?.code, 'FailureExitCode');
    assert.equal(await scratch.runs(taskId), 2);

    // Fill the node's slots so the reactivated task cannot be claimed before we look at it.
    const blockers = Array.from({ length: SLOTS }, () => uniqueId('blocker'));
    for (const blocker of blockers) {
      await client.task.add(jobId, { id: blocker, commandLine: scratch.gated(blocker) });
    }
    for (const blocker of blockers) await taskInState(runner, jobId, blocker, 'running');

    const response = await client.task.reactivate(jobId, taskId);
    assert.equal(response._response.status, 204);
    const active = await client.task.get(jobId, taskId);
    assert.equal(active.state, 'active');
    assert.equal(active.previousState, 'completed');
    const info = active.executionInfo;
    assert.equal(info?.retryCount, 0, 'reactivate resets retryCount');
    assert.equal(info?.exitCode, undefined, 'exit code cleared');
    assert.equal(info?.failureInfo, undefined, 'failureInfo cleared');
    assert.equal(info?.result, undefined, 'result cleared');
    const counts = await client.job.getTaskCounts(jobId);
    assert.equal(counts.taskCounts.active, 1, 'the reactivated task counts as active');

    for (const blocker of blockers) await scratch.open(blocker);
    const again = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(await scratch.runs(taskId), 4, 'two more executions after reactivate (1 run + 1 retry)');
    assert.equal(again.executionInfo?.retryCount, 1, 'the retry budget starts over after reactivate');
    assert.equal(again.executionInfo?.failureInfo?.code, 'FailureExitCode');
  });

  void it('succeeded task → 409, unchanged', async (t) => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('succeeds');
    await client.task.add(jobId, { id: taskId, commandLine: sh(`${scratch.mark(taskId)}; exit 0`) });
    const done = await taskInState(runner, jobId, taskId, 'completed');
    const code = await refusedWith(client.task.reactivate(jobId, taskId), 409);
    t.diagnostic(`reactivate on a succeeded task: 409 ${code}`);
    const after = await client.task.get(jobId, taskId);
    assert.equal(after.state, 'completed');
    assert.equal(after.executionInfo?.result, 'success');
    assert.equal(after.eTag, done.eTag, 'a refused reactivate changes nothing');
    assert.equal(await scratch.runs(taskId), 1);
  });

  void it('running task → 409, keeps running', async (t) => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('running');
    await client.task.add(jobId, { id: taskId, commandLine: scratch.gated(taskId) });
    await taskInState(runner, jobId, taskId, 'running');
    const code = await refusedWith(client.task.reactivate(jobId, taskId), 409);
    t.diagnostic(`reactivate on a running task: 409 ${code}`);
    assert.equal((await client.task.get(jobId, taskId)).state, 'running');
    await scratch.open(taskId);
    const done = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(done.executionInfo?.result, 'success');
    assert.equal(await scratch.runs(taskId), 1);
  });
});
