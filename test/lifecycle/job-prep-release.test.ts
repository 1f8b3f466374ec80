/**
 * Job preparation and release tasks with real agents, read through the official SDK: the preparation runs once
 * per node before the job's tasks (which wait `preparing`) and leaves files they see through
 * AZ_BATCH_JOB_PREP_DIR; a failing preparation is retried, then blocks the job's tasks on that node only; the
 * release runs when the job ends (terminate, onAllTasksComplete, delete), killed at its maxWallClockTime; the per-node status list
 * shows both executions.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import {
  addRunJob,
  jobInState,
  readAll,
  refusedWith,
  RUN_TIMEOUT_MS,
  sh,
  taskInState,
  withRunner,
  type Runner,
} from '../execution/helpers.js';

type Status = BatchServiceModels.JobPreparationAndReleaseTaskExecutionInformation;

async function statusList(client: BatchServiceClient, jobId: string): Promise<Status[]> {
  const items: Status[] = [];
  let page = await client.job.listPreparationAndReleaseTaskStatus(jobId);
  items.push(...page);
  while (page.odatanextLink !== undefined) {
    page = await client.job.listPreparationAndReleaseTaskStatusNext(page.odatanextLink);
    items.push(...page);
  }
  return items;
}

/** Polls the status list until `done` holds for it. */
function statusWhen(runner: Runner, jobId: string, done: (items: Status[]) => boolean, what: string) {
  let last: Status[] = [];
  return waitFor(
    async () => {
      last = await statusList(runner.client, jobId);
      return done(last) ? last : undefined;
    },
    { timeoutMs: RUN_TIMEOUT_MS, what, lastSeen: () => JSON.stringify(last) },
  );
}

async function nodeIds(runner: Runner): Promise<string[]> {
  return (await runner.client.computeNode.list(runner.poolId)).map((node) => node.id ?? '').sort();
}

void describe('job preparation and release tasks', () => {
  const runner = withRunner({ nodes: 1, slots: 2 });

  void it('preparation runs before the tasks (preparing), once per node; its files are the tasks’ to read; terminate runs the release', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, {
      jobPreparationTask: {
        commandLine: sh(
          `${scratch.mark('prep')}; echo ready > "$AZ_BATCH_TASK_WORKING_DIR/marker"; ${scratch.waitForGate('prep')}`,
        ),
      },
      jobReleaseTask: {
        commandLine: sh(`${scratch.mark('release')}; test -f "$AZ_BATCH_JOB_PREP_WORKING_DIR/marker"`),
      },
    });
    const tasks = ['t1', 't2'];
    for (const id of tasks) {
      await client.task.add(jobId, {
        id,
        commandLine: sh(
          `umask 0; cat "$AZ_BATCH_JOB_PREP_WORKING_DIR/marker" > "${scratch.path(`${jobId}-${id}`)}"`,
        ),
      });
    }
    await scratch.waitForRuns('prep', 1);
    const waiting = await taskInState(runner, jobId, 't1', 'preparing');
    assert.equal(waiting.executionInfo?.exitCode, undefined, 'a preparing task has not run');
    assert.equal(
      (await client.job.getTaskCounts(jobId)).taskCounts.running >= 1,
      true,
      'preparing counts as running',
    );
    await scratch.open('prep');
    for (const id of tasks) {
      const task = await taskInState(runner, jobId, id, 'completed');
      if (task.executionInfo?.exitCode !== 0) {
        const err = await client.file.getFromTask(jobId, id, 'stderr.txt');
        console.log('DEBUG', id, (await readAll(err.readableStreamBody)).toString(), JSON.stringify(task));
        console.log('DEBUG', JSON.stringify(await statusList(client, jobId)));
      }
      assert.equal(task.executionInfo?.exitCode, 0, `${id} succeeded`);
      assert.equal((await readFile(scratch.path(`${jobId}-${id}`), 'utf8')).trim(), 'ready');
    }
    const preps = await statusList(client, jobId);
    const ran = preps.filter((item) => item.jobPreparationTaskExecutionInfo !== undefined);
    assert.equal(await scratch.runs('prep'), ran.length, 'once per node that ran the job’s tasks');
    const info = ran[0]?.jobPreparationTaskExecutionInfo;
    assert.equal(info?.state, 'completed');
    assert.equal(info?.exitCode, 0);
    assert.equal(info?.result, 'success');
    assert.equal(info?.retryCount, 0);
    assert.equal(info?.taskRootDirectory, `workitems/${jobId}/job-1/jobpreparation`);
    assert.ok(ran[0]?.nodeUrl?.endsWith(`/pools/${runner.poolId}/nodes/${ran[0]?.nodeId}`));

    await client.job.terminate(jobId);
    await jobInState(runner, jobId, 'completed');
    assert.equal(await scratch.runs('release'), ran.length, 'the release ran on every node that prepared');
    const released = await statusList(client, jobId);
    for (const item of released) {
      const release = item.jobReleaseTaskExecutionInfo;
      assert.equal(release?.state, 'completed');
      assert.equal(release?.exitCode, 0, 'the release saw the preparation’s files');
      assert.equal(release?.taskRootDirectory, `workitems/${jobId}/job-1/jobrelease`);
    }
    const node = ran[0]?.nodeId ?? '';
    const filtered = await client.job.listPreparationAndReleaseTaskStatus(jobId, {
      jobListPreparationAndReleaseTaskStatusOptions: { filter: `nodeId eq '${node}'`, select: 'nodeId' },
    });
    assert.deepEqual(
      filtered.map((item) => item.nodeId),
      [node],
    );
    assert.equal(filtered[0]?.jobPreparationTaskExecutionInfo, undefined, '$select keeps only nodeId');
  });

  void it('onAllTasksComplete: the job completing by itself runs the release first (AllTasksComplete)', async () => {
    const { client, scratch } = runner;
    // Created with noaction, then patched: a job with terminatejob and no task yet would complete at once.
    const jobId = await addRunJob(runner, {
      onAllTasksComplete: 'noaction',
      jobPreparationTask: { commandLine: sh('exit 0') },
      jobReleaseTask: { commandLine: sh(`${scratch.mark('autorelease')}; echo "released $AZ_BATCH_JOB_ID"`) },
    });
    await client.task.add(jobId, { id: 'last', commandLine: sh('exit 0') });
    await taskInState(runner, jobId, 'last', 'completed');
    assert.equal(await scratch.runs('autorelease'), 0, 'no release while the job goes on');
    await client.job.patch(jobId, { onAllTasksComplete: 'terminatejob' });
    const job = await jobInState(runner, jobId, 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'AllTasksComplete');
    assert.equal(await scratch.runs('autorelease'), 1, 'the release ran before the job completed');
    const [item] = await statusList(client, jobId);
    assert.equal(item?.jobReleaseTaskExecutionInfo?.state, 'completed');
    assert.equal(item?.jobReleaseTaskExecutionInfo?.exitCode, 0);
    const stdout = await client.file.getFromComputeNode(
      runner.poolId,
      item?.nodeId ?? '',
      `workitems/${jobId}/job-1/jobrelease/stdout.txt`,
    );
    assert.equal((await readAll(stdout.readableStreamBody)).toString().trim(), `released ${jobId}`);
  });

  void it('terminate: the release is killed at its maxWallClockTime and the job completes', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, {
      jobPreparationTask: { commandLine: sh('exit 0') },
      jobReleaseTask: { commandLine: scratch.sleeper(`${'slowrelease'}`, 60), maxWallClockTime: 'PT2S' },
    });
    await client.task.add(jobId, { id: 'only', commandLine: sh('exit 0') });
    await taskInState(runner, jobId, 'only', 'completed');
    await client.job.terminate(jobId);
    await scratch.waitForRuns('slowrelease', 1);
    assert.equal((await client.job.get(jobId)).state, 'terminating', 'the job waits for its release');
    await jobInState(runner, jobId, 'completed');
    const [item] = (await statusList(client, jobId)).filter(
      (i) => i.jobReleaseTaskExecutionInfo !== undefined,
    );
    const release = item?.jobReleaseTaskExecutionInfo;
    assert.equal(release?.state, 'completed');
    assert.equal(release?.result, 'failure');
    assert.equal(release?.failureInfo?.details?.[0]?.value, 'MaxWallClockTimeExceeded');
  });

  void it('delete: the release runs before the job and its directories go', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, {
      jobPreparationTask: { commandLine: sh('exit 0') },
      jobReleaseTask: { commandLine: sh(scratch.mark(`${'delrelease'}`)) },
    });
    await client.task.add(jobId, { id: 'only', commandLine: scratch.sleeper('delsleeper', 60) });
    await taskInState(runner, jobId, 'only', 'running');
    await client.job.deleteMethod(jobId);
    await scratch.waitForRuns('delrelease', 1);
    await waitFor(
      async () => {
        try {
          await client.job.get(jobId);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `job ${jobId} gone` },
    );
  });

  void it('refusals: status without a preparation, task ids taken, properties Batchite cannot honour', async () => {
    const { client } = runner;
    const plain = await addRunJob(runner);
    await expectBatchError(client.job.listPreparationAndReleaseTaskStatus(plain), {
      statusCode: 409,
      code: 'JobPreparationTaskNotSpecified',
    });
    const jobId = await addRunJob(runner, {
      jobPreparationTask: { id: 'prep', commandLine: sh('exit 0') },
      jobReleaseTask: { commandLine: sh('exit 0') },
    });
    const job = await client.job.get(jobId);
    assert.equal(job.jobPreparationTask?.waitForSuccess, true);
    assert.equal(job.jobPreparationTask?.rerunOnNodeRebootAfterSuccess, true);
    assert.equal(job.jobReleaseTask?.id, 'jobrelease');
    assert.equal(job.jobReleaseTask?.maxWallClockTime, 'PT15M');
    await expectBatchError(client.task.add(jobId, { id: 'PREP', commandLine: 'true' }), {
      statusCode: 409,
      code: 'TaskIdSameAsJobPreparationTask',
    });
    await expectBatchError(client.task.add(jobId, { id: 'jobrelease', commandLine: 'true' }), {
      statusCode: 409,
      code: 'TaskIdSameAsJobReleaseTask',
    });
    const containerSettings = { imageName: 'ubuntu' };
    assert.equal(
      await refusedWith(
        client.job.add({
          id: uniqueId('rf'),
          poolInfo: { poolId: runner.poolId },
          jobPreparationTask: { commandLine: 'true', containerSettings },
        }),
        400,
      ),
      'UnsupportedProperty',
    );
    await expectBatchError(
      client.job.add({
        id: uniqueId('rel'),
        poolInfo: { poolId: runner.poolId },
        jobReleaseTask: { commandLine: 'true' },
      }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
  });
});

void describe('a failing job preparation task', () => {
  const runner = withRunner({ nodes: 2, slots: 2 });

  void it('a failing preparation is retried, then blocks the job’s tasks on that node; the other node runs them', async () => {
    const { client, scratch } = runner;
    const [bad, good] = await nodeIds(runner);
    const jobId = await addRunJob(runner, {
      jobPreparationTask: {
        commandLine: sh(`${scratch.mark('failprep')}; [ "$AZ_BATCH_NODE_ID" != "${bad}" ] || exit 3`),
        constraints: { maxTaskRetryCount: 2 },
      },
    });
    // More tasks than the good node has slots while its own preparation runs: the bad node claims some too.
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    await client.task.addCollection(
      jobId,
      ids.map((id) => ({ id, commandLine: sh('exit 0') })),
    );
    const items = await statusWhen(
      runner,
      jobId,
      (list) =>
        list.some(
          (item) => item.nodeId === bad && item.jobPreparationTaskExecutionInfo?.state === 'completed',
        ),
      'the preparation on the bad node to give up',
    );
    const failed = items.find((item) => item.nodeId === bad)?.jobPreparationTaskExecutionInfo;
    assert.equal(failed?.result, 'failure');
    assert.equal(failed?.exitCode, 3);
    assert.equal(failed?.retryCount, 2, 'retried maxTaskRetryCount times');
    assert.ok(failed?.lastRetryTime !== undefined);
    assert.equal(failed?.failureInfo?.code, 'FailureExitCode');
    assert.equal(failed?.failureInfo?.category, 'usererror');
    // Its tasks went back to active and ran on the other node, after its own preparation there.
    for (const id of ids) {
      const task = await taskInState(runner, jobId, id, 'completed').catch(async (e) => {
        console.log('DEBUG', JSON.stringify(await statusList(client, jobId)));
        for (const t of await client.task.list(jobId)) console.log('DEBUG', JSON.stringify(t));
        for (const n of await client.computeNode.list(runner.poolId)) console.log('DEBUG', JSON.stringify(n));
        throw e;
      });
      assert.equal(task.nodeInfo?.nodeId, good, `${id} ran on the good node`);
      assert.equal(task.executionInfo?.retryCount, 0, 'a failed preparation spends no retry of the task');
      assert.equal(task.executionInfo?.exitCode, 0);
    }
    // Later tasks of the job never start on the blocked node.
    await client.task.addCollection(
      jobId,
      ids.map((id) => ({ id: `more-${id}`, commandLine: sh('exit 0') })),
    );
    for (const id of ids) {
      const more = await taskInState(runner, jobId, `more-${id}`, 'completed');
      assert.equal(more.nodeInfo?.nodeId, good);
    }
    assert.equal(
      await scratch.runs('failprep'),
      3 + 1,
      'three attempts on the bad node, one on the good node',
    );
  });
});
