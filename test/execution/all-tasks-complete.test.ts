/**
 * the recommended pattern — create the job with `onAllTasksComplete: noaction`,
 * add the tasks, then patch to `terminatejob`. The job completes with `AllTasksComplete` only once the tasks (here
 * really running, held by a gate) have finished; `terminatejob` cannot be patched back to `noaction`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { addRunJob, jobInState, refusal, sh, taskInState, withRunner } from './helpers.js';

void describe('onAllTasksComplete terminatejob (scenario 14)', () => {
  const runner = withRunner({ slots: 4 });

  void it('completes the job with AllTasksComplete after its running tasks finish', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onAllTasksComplete: 'noaction' });
    const quick = uniqueId('quick');
    const held = uniqueId('held');
    await client.task.addCollection(jobId, [
      { id: quick, commandLine: sh(`${scratch.mark(quick)}; exit 0`) },
      { id: held, commandLine: scratch.gated(held, 2) },
    ]);
    await taskInState(runner, jobId, quick, 'completed');
    await taskInState(runner, jobId, held, 'running');
    assert.equal((await client.job.get(jobId)).state, 'active', 'noaction: a finished task changes nothing');

    const patched = await client.job.patch(jobId, { onAllTasksComplete: 'terminatejob' });
    assert.equal(patched._response.status, 200);
    const whileRunning = await client.job.get(jobId);
    assert.deepEqual(
      { state: whileRunning.state, action: whileRunning.onAllTasksComplete },
      { state: 'active', action: 'terminatejob' },
      'a running task keeps the job active',
    );

    await expectBatchError(client.job.patch(jobId, { onAllTasksComplete: 'noaction' }), {
      statusCode: 400,
      code: 'InvalidPropertyValue',
    });
    assert.equal(
      (await client.job.get(jobId)).onAllTasksComplete,
      'terminatejob',
      'the refused patch changed nothing',
    );

    await scratch.open(held);
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'AllTasksComplete');
    const task = await client.task.get(jobId, held);
    assert.equal(task.state, 'completed');
    assert.equal(
      task.executionInfo?.exitCode,
      2,
      'the task ran to its own end (a failure also counts as complete)',
    );
    const jobEnd = job.executionInfo?.endTime;
    const taskEnd = task.executionInfo?.endTime;
    assert.ok(jobEnd instanceof Date && taskEnd instanceof Date, 'both have an endTime');
    assert.ok(jobEnd.getTime() >= taskEnd.getTime(), 'the job completes after its last task');
  });

  void it('a completed job refuses the patch back to noaction (4xx)', async (t) => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onAllTasksComplete: 'noaction' });
    const taskId = uniqueId('one');
    await client.task.add(jobId, { id: taskId, commandLine: sh(`${scratch.mark(taskId)}; exit 0`) });
    await client.job.patch(jobId, { onAllTasksComplete: 'terminatejob' });
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'AllTasksComplete');
    assert.equal(await scratch.runs(taskId), 1);
    const refused = await refusal(client.job.patch(jobId, { onAllTasksComplete: 'noaction' }));
    assert.ok(
      refused.statusCode !== undefined && refused.statusCode >= 400 && refused.statusCode < 500,
      `a 4xx answer, got ${refused.statusCode}`,
    );
    t.diagnostic(`patch of a completed job back to noaction: ${refused.statusCode} ${refused.code}`);
    assert.equal((await client.job.get(jobId)).onAllTasksComplete, 'terminatejob');
  });
});
