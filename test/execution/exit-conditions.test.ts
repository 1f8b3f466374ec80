/**
 * a failing task's exit options decide the job's fate when the job's
 * `onTaskFailure` is `performexitoptionsjobaction`: `exitCodes` and `exitCodeRanges` select them, `terminate`
 * completes the job with `TaskFailed`, `disable` disables it. A `jobAction` on a `noaction` job is refused (400).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { addRunJob, jobInState, sh, taskInState, withRunner } from './helpers.js';

void describe('onTaskFailure + exitConditions (scenario 15)', () => {
  const runner = withRunner({ slots: 4 });

  void it('exit 3 listed in exitCodes with jobAction terminate → job completed, TaskFailed', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onTaskFailure: 'performexitoptionsjobaction' });
    const taskId = uniqueId('exit3');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 3`),
      exitConditions: { exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }] },
    });
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'TaskFailed');
    const task = await client.task.get(jobId, taskId);
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo?.exitCode, 3);
    assert.equal(task.executionInfo?.failureInfo?.code, 'FailureExitCode');
    assert.equal(await scratch.runs(taskId), 1);
  });

  void it('an exit code in exitCodeRanges with jobAction disable → job disabled', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onTaskFailure: 'performexitoptionsjobaction' });
    const taskId = uniqueId('exit4');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 4`),
      exitConditions: {
        exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }],
        exitCodeRanges: [{ start: 4, end: 6, exitOptions: { jobAction: 'disable' } }],
      },
    });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.exitCode, 4);
    const job = await jobInState(runner, jobId, 'disabled');
    assert.equal(job.executionInfo?.terminateReason, undefined, 'disabled, not terminated');
  });

  void it('jobAction none for the exit code → the job stays active', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onTaskFailure: 'performexitoptionsjobaction' });
    const taskId = uniqueId('exit9');
    const marker = uniqueId('marker');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 9`),
      exitConditions: {
        exitCodes: [{ code: 9, exitOptions: { jobAction: 'none' } }],
        default: { jobAction: 'terminate' },
      },
    });
    await taskInState(runner, jobId, taskId, 'completed');
    // A later task of the same job running to completion shows the failure's reaction has already happened.
    await client.task.add(jobId, { id: marker, commandLine: sh(`${scratch.mark(marker)}; exit 0`) });
    await taskInState(runner, jobId, marker, 'completed');
    assert.equal((await client.job.get(jobId)).state, 'active');
  });

  void it('exit code not listed → default exitOptions (jobAction terminate) apply', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { onTaskFailure: 'performexitoptionsjobaction' });
    const taskId = uniqueId('exit11');
    await client.task.add(jobId, {
      id: taskId,
      commandLine: sh(`${scratch.mark(taskId)}; exit 11`),
      exitConditions: {
        exitCodes: [{ code: 3, exitOptions: { jobAction: 'disable' } }],
        exitCodeRanges: [{ start: 4, end: 6, exitOptions: { jobAction: 'disable' } }],
      },
    });
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'TaskFailed');
  });

  void it('the same exit options on a job with onTaskFailure noaction → task add 400', async () => {
    const { client } = runner;
    const jobId = await addRunJob(runner, { onTaskFailure: 'noaction' });
    const taskId = uniqueId('refused');
    await expectBatchError(
      client.task.add(jobId, {
        id: taskId,
        commandLine: sh('exit 3'),
        exitConditions: { exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }] },
      }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    const tasks = await client.task.list(jobId);
    assert.deepEqual(
      tasks.map((t) => t.id),
      [],
      'the refused task was not stored',
    );
  });

  void it('onTaskFailure noaction: a failing task leaves the job active', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const taskId = uniqueId('plainfail');
    const marker = uniqueId('marker');
    await client.task.add(jobId, { id: taskId, commandLine: sh(`${scratch.mark(taskId)}; exit 3`) });
    await taskInState(runner, jobId, taskId, 'completed');
    await client.task.add(jobId, { id: marker, commandLine: sh(`${scratch.mark(marker)}; exit 0`) });
    await taskInState(runner, jobId, marker, 'completed');
    assert.equal((await client.job.get(jobId)).state, 'active');
  });
});
