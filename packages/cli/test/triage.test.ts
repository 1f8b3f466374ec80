/** Triage at scale from the CLI: `job rerun-failed`, `job list` counts and elapsed time, task durations. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cli, cliJson, testServer, waitFor, type TestServer } from './support.js';

let t: TestServer;

before(async () => {
  t = await testServer();
});
after(async () => {
  await t?.dispose();
});

async function ok(...args: string[]): Promise<string> {
  const result = await cli(t.env, ...args);
  assert.equal(result.code, 0, `batchite ${args.join(' ')}\n${result.stderr}`);
  return result.stdout;
}

/** A job with tasks f1..f3 (exit 2), g1 (exit 3) and s1 (success), all completed. */
async function finishedJob(jobId: string): Promise<void> {
  await t.client.createJob({ id: jobId, poolInfo: { poolId: 'local' } });
  const fail = (code: number) => `/bin/sh -c "echo missing input >&2; exit ${code}"`;
  await t.client.createTasks(jobId, [
    { id: 'f1', commandLine: fail(2) },
    { id: 'f2', commandLine: fail(2) },
    { id: 'f3', commandLine: fail(2) },
    { id: 'g1', commandLine: fail(3) },
    { id: 's1', commandLine: '/bin/sh -c "echo fine"' },
  ]);
  await waitFor(`every task of ${jobId} completed`, async () => {
    const { taskCounts } = await t.client.getJobTaskCounts(jobId);
    return taskCounts.completed === 5 ? true : undefined;
  });
}

describe('batchite job rerun-failed', () => {
  it('reactivates the failed tasks with the exit code asked for, and only those', async () => {
    await finishedJob('again');
    const outcome = await cliJson(t.env, 'job', 'rerun-failed', 'again', '--exit-code', '2');
    assert.deepEqual(outcome, {
      jobId: 'again',
      rerunJobId: 'again',
      taskIds: ['f1', 'f2', 'f3'],
      notRerun: [],
    });
    // Reactivated tasks run again (and fail again): their run count shows it; g1 was left alone.
    await waitFor('the reactivated tasks to fail again', async () => {
      const { taskCounts } = await t.client.getJobTaskCounts('again');
      return taskCounts.completed === 5 ? true : undefined;
    });
    assert.equal((await t.client.getTask('again', 'g1')).executionInfo?.exitCode, 3);

    const text = await ok('job', 'rerun-failed', 'again');
    assert.match(text, /^Reactivated 4 failed task\(s\) of job again\.$/m);
    assert.match(
      await ok('job', 'rerun-failed', 'again', '--exit-code', '9'),
      /^No failed \(exit code 9\) tasks/m,
    );
  });

  it('adds the failed tasks of a completed job to a new job on the same pool', async () => {
    await finishedJob('ended');
    await t.client.terminateJob('ended');
    await waitFor('the job to complete', async () =>
      (await t.client.getJob('ended')).state === 'completed' ? true : undefined,
    );
    const text = await ok('job', 'rerun-failed', 'ended');
    assert.match(text, /Batch cannot reactivate the tasks of a completed job/);
    assert.match(text, /^Added its 4 failed task\(s\) to the new job ended-rerun-1\.$/m);
    const copy = await t.client.getTask('ended-rerun-1', 'f1');
    assert.equal(copy.commandLine, '/bin/sh -c "echo missing input >&2; exit 2"');
    assert.equal((await t.client.getJob('ended-rerun-1')).poolInfo?.poolId, 'local');
    await assert.rejects(t.client.getTask('ended-rerun-1', 's1'), /not exist|NotFound/i);
  });
});

describe('batchite job list and task list', () => {
  it('show per-job counts, elapsed time and task durations', async () => {
    await finishedJob('counted');
    const list = await ok('job', 'list');
    assert.match(list, /^ID\s+STATE\s+POOL\s+ACTIVE\s+RUNNING\s+SUCCEEDED\s+FAILED\s+ELAPSED\s+CREATED$/m);
    assert.match(list, /^counted\s+active\s+local\s+0\s+0\s+1\s+4\s+\d+(s|m)\S*\s+\d{4}-/m);
    const json = await cliJson(t.env, 'job', 'list');
    const counted = json.find((job: any) => job.id === 'counted');
    assert.equal(counted.taskCounts.failed, 4);
    const tasks = await ok('task', 'list', 'counted');
    assert.match(tasks, /^ID\s+STATE\s+EXIT\s+RETRIES\s+DURATION\s+NODE/m);
    assert.match(tasks, /^s1\s+succeeded\s+0\s+0\s+\d+s\s+tvm-/m);
  });
});
