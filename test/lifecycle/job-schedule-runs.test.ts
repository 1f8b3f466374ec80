/**
 * Job schedule runs on real nodes (system clock; a schedule without doNotRunUntil is due at once): the run's job
 * is a full job — its job manager runs with the job's environment and its completion ends the job with
 * JMComplete, after which a one-run schedule completes — and terminating the schedule ends the running job
 * (`TerminateJobSchedule`) and its running task.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { waitUntilGone } from '../support/poll.js';
import { waitFor } from '../support/wait.js';
import { jobInState, readAll, RUN_TIMEOUT_MS, sh, taskInState, withRunner } from '../execution/helpers.js';

void describe('job schedule runs on nodes', () => {
  const runner = withRunner({ nodes: 1, slots: 2 });

  const scheduleInState = (id: string, state: string) =>
    waitFor(
      async () => {
        const schedule = await runner.client.jobSchedule.get(id);
        return schedule.state === state ? schedule : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `schedule ${id} ${state}` },
    );

  // The add answers before the first run's job exists (Batch creates it asynchronously too): wait for it.
  const firstRunJob = (id: string) =>
    waitFor(
      async () => {
        const schedule = await runner.client.jobSchedule.get(id);
        return schedule.executionInfo?.recentJob?.id;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `schedule ${id} to create its first job` },
    );

  void it("runs the job manager of the run's job; its completion ends the job, then the schedule", async () => {
    const id = uniqueId('sched');
    await runner.client.jobSchedule.add({
      id,
      schedule: {},
      jobSpecification: {
        poolInfo: { poolId: runner.poolId },
        jobManagerTask: { id: 'manager', commandLine: sh('echo "run $AZ_BATCH_JOB_ID"') },
      },
    });
    const jobId = await firstRunJob(id);
    assert.equal(jobId, `${id}:job-1`);
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'JMComplete');
    const stdout = await runner.client.file.getFromTask(jobId, 'manager', 'stdout.txt');
    assert.equal((await readAll(stdout.readableStreamBody)).toString('utf8').trim(), `run ${jobId}`);
    // The n-th job of a schedule lives in workitems/<schedule>/job-<n>, and nodeInfo says so.
    const manager = await runner.client.task.get(jobId, 'manager');
    const root = `workitems/${id}/job-1/manager`;
    assert.equal(manager.nodeInfo?.taskRootDirectory, root);
    assert.ok(manager.nodeInfo?.taskRootDirectoryUrl?.endsWith(`/files/${root}`));
    const onNode = await runner.client.file.getFromComputeNode(
      runner.poolId,
      manager.nodeInfo?.nodeId ?? '',
      `${root}/stdout.txt`,
    );
    assert.equal((await readAll(onNode.readableStreamBody)).toString('utf8').trim(), `run ${jobId}`);
    const done = await scheduleInState(id, 'completed');
    assert.equal(done.executionInfo?.recentJob?.id, jobId);
    assert.ok(done.executionInfo?.endTime);
  });

  void it('terminate ends the running job with TerminateJobSchedule, then the schedule completes', async () => {
    const id = uniqueId('sched');
    await runner.client.jobSchedule.add({
      id,
      schedule: { recurrenceInterval: 'PT1H' },
      jobSpecification: {
        poolInfo: { poolId: runner.poolId },
        jobManagerTask: { id: 'manager', commandLine: sh('sleep 120') },
      },
    });
    const jobId = await firstRunJob(id);
    assert.equal(jobId, `${id}:job-1`);
    await taskInState(runner, jobId, 'manager', 'running');
    await runner.client.jobSchedule.terminate(id);
    const task = await taskInState(runner, jobId, 'manager', 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'TerminateJobSchedule');
    const done = await scheduleInState(id, 'completed');
    assert.equal(done.previousState, 'terminating');
    assert.equal(done.executionInfo?.nextRunTime, undefined);
  });

  void it('$expand=stats: the schedule sums the runs of its jobs, and keeps them when a job is deleted', async () => {
    const id = uniqueId('sched');
    await runner.client.jobSchedule.add({
      id,
      schedule: {},
      jobSpecification: {
        poolInfo: { poolId: runner.poolId },
        jobManagerTask: { id: 'manager', commandLine: sh('head -c 100000 /dev/zero > out.bin') },
      },
    });
    const jobId = await firstRunJob(id);
    await jobInState(runner, jobId, 'completed');
    const job = await runner.client.job.get(jobId, { jobGetOptions: { expand: 'stats' } });
    const schedule = await runner.client.jobSchedule.get(id, { jobScheduleGetOptions: { expand: 'stats' } });
    const figures = (stats: typeof job.stats) => ({
      wallClockTime: stats?.wallClockTime,
      userCPUTime: stats?.userCPUTime,
      writeIOps: stats?.writeIOps,
      writeIOGiB: stats?.writeIOGiB,
      succeeded: stats?.numSucceededTasks,
    });
    assert.equal(job.stats?.numSucceededTasks, 1);
    assert.deepEqual(figures(schedule.stats), figures(job.stats));
    assert.match(schedule.stats?.url ?? '', new RegExp(`/jobschedules/${id}/stats$`));
    assert.equal((await runner.client.jobSchedule.get(id)).stats, undefined);
    await runner.client.job.deleteMethod(jobId);
    await waitUntilGone(() => runner.client.job.get(jobId), 'JobNotFound', ['completed', 'deleting'], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const kept = await runner.client.jobSchedule.list({ jobScheduleListOptions: { expand: 'stats' } });
    assert.deepEqual(figures(kept.find((item) => item.id === id)?.stats), figures(job.stats));
  });
});
