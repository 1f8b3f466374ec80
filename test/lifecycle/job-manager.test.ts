/**
 * Job manager tasks end to end (Azure Batch `JobManagerTask`): real agents run a Node job manager that adds the
 * job's tasks through the REST API with its job-scoped token (AZ_BATCH_AUTHENTICATION_TOKEN), the tasks run,
 * and the manager's completion ends the job with terminateReason `JMComplete` (killJobOnCompletion). Also:
 * runExclusive keeps every other task off the manager's node; killJobOnCompletion false leaves the job to
 * `onAllTasksComplete`, which counts the manager; no token without `access: ['job']`; refused properties.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BatchServiceModels } from '@azure/batch';
import { BatchClient } from '@batchite/client';
import { uniqueId } from '../support/ids.js';
import {
  addRunJob,
  jobInState,
  readAll,
  refusal,
  sh,
  taskInState,
  withRunner,
  type Runner,
} from '../execution/helpers.js';
import { jobManagerCommand, writeJobManagerScript } from './job-manager-script.js';

async function stdoutOf(runner: Runner, jobId: string, taskId: string): Promise<string> {
  const file = await runner.client.file.getFromTask(jobId, taskId, 'stdout.txt');
  return (await readAll(file.readableStreamBody)).toString('utf8');
}

async function listTasks(runner: Runner, jobId: string): Promise<BatchServiceModels.CloudTask[]> {
  return [...(await runner.client.task.list(jobId))];
}

void describe('job manager task', () => {
  const runner = withRunner({ nodes: 2, slots: 2 });
  let script: string;

  before(async () => {
    script = runner.scratch.path('manager.cjs');
    await writeJobManagerScript(script);
  });

  void it('adds tasks with its token, runs alone on its node, and ends the job with JMComplete', async () => {
    const jobId = uniqueId('jm');
    await addRunJob(runner, {
      id: jobId,
      jobManagerTask: {
        id: 'manager',
        commandLine: jobManagerCommand(script, 4, 'wait'),
        authenticationTokenSettings: { access: ['job'] },
      },
    });
    // Stored with the job, defaults filled in as Batch returns them.
    const job = await runner.client.job.get(jobId);
    assert.equal(job.jobManagerTask?.killJobOnCompletion, true);
    assert.equal(job.jobManagerTask?.runExclusive, true);
    assert.equal(job.jobManagerTask?.allowLowPriorityNode, true);

    const done = await jobInState(runner, jobId, 'completed');
    assert.equal(done.executionInfo?.terminateReason, 'JMComplete');
    const manager = await runner.client.task.get(jobId, 'manager');
    assert.equal(manager.executionInfo?.exitCode, 0, await stdoutOf(runner, jobId, 'manager'));
    assert.match(await stdoutOf(runner, jobId, 'manager'), /manager saw every task complete/);
    const work = (await listTasks(runner, jobId)).filter((task) => task.id !== 'manager');
    assert.equal(work.length, 4);
    for (const task of work) {
      assert.equal(task.state, 'completed');
      assert.equal(task.executionInfo?.exitCode, 0);
      // runExclusive: while the manager ran (the whole time these ran) its node took no other task.
      assert.notEqual(task.nodeInfo?.nodeId, manager.nodeInfo?.nodeId, `${task.id} ran beside the manager`);
    }
  });

  void it('with killJobOnCompletion false the job ends by onAllTasksComplete, which counts the manager', async () => {
    const jobId = uniqueId('jm-keep');
    await addRunJob(runner, {
      id: jobId,
      onAllTasksComplete: 'terminatejob',
      jobManagerTask: {
        id: 'manager',
        commandLine: jobManagerCommand(script, 3, 'leave'),
        authenticationTokenSettings: { access: ['job'] },
        killJobOnCompletion: false,
        runExclusive: false,
      },
    });
    // The manager is a task of the job from the start: a job with only a waiting manager is not "all complete".
    const first = await listTasks(runner, jobId);
    assert.deepEqual(
      first.map((task) => task.id),
      ['manager'],
    );
    const done = await jobInState(runner, jobId, 'completed');
    assert.equal(done.executionInfo?.terminateReason, 'AllTasksComplete');
    const tasks = await listTasks(runner, jobId);
    assert.equal(tasks.length, 4);
    assert.ok(tasks.every((task) => task.state === 'completed' && task.executionInfo?.exitCode === 0));
  });

  void it('gets no token without access job, and its job still completes with JMComplete', async () => {
    const jobId = uniqueId('jm-plain');
    await addRunJob(runner, {
      id: jobId,
      jobManagerTask: { id: 'manager', commandLine: sh('env') },
    });
    const done = await jobInState(runner, jobId, 'completed');
    assert.equal(done.executionInfo?.terminateReason, 'JMComplete');
    const env = await stdoutOf(runner, jobId, 'manager');
    assert.match(env, /^AZ_BATCH_JOB_ID=/m);
    assert.doesNotMatch(env, /AZ_BATCH_AUTHENTICATION_TOKEN/);
  });

  void it("holds the job's other tasks back while it has not started", async () => {
    // A manager that needs more slots than a node has never starts, so the job's other tasks must wait.
    const jobId = uniqueId('jm-first');
    await addRunJob(runner, {
      id: jobId,
      jobManagerTask: { id: 'manager', commandLine: sh('true'), requiredSlots: 3, runExclusive: false },
    });
    await runner.client.task.add(jobId, { id: 'other', commandLine: sh('true') });
    // A lower-priority job's task: claims look at the job above first, so once this one ran, 'other' was passed.
    const probeJob = await addRunJob(runner, { priority: -1 });
    await runner.client.task.add(probeJob, { id: 'probe', commandLine: sh('true') });
    await taskInState(runner, probeJob, 'probe', 'completed');
    assert.equal((await runner.client.task.get(jobId, 'other')).state, 'active');
    const client = new BatchClient({
      endpoint: runner.server.url,
      accountName: runner.server.accountName,
      accountKey: runner.server.accountKey,
    });
    const why = await client.why(jobId, 'other');
    assert.equal(why.waitInfo?.code, 'WaitingOnJobManager', JSON.stringify(why));
    await runner.client.job.terminate(jobId);
  });

  void it('refuses the properties it cannot honour with a 400 naming them, and stores nothing', async () => {
    const identityUpload = {
      filePattern: '*.txt',
      destination: {
        container: { containerUrl: 'https://a.blob.core.windows.net/c', identityReference: {} },
      },
      uploadOptions: { uploadCondition: 'taskcompletion' },
    };
    for (const [property, value] of [
      ['outputFiles', [identityUpload]],
      ['applicationPackageReferences', [{ applicationId: 'app' }]],
    ] as const) {
      const jobId = uniqueId('jm-refused');
      const jobManagerTask = { id: 'manager', commandLine: sh('true'), [property]: value };
      const refused = await refusal(
        runner.client.job.add({ id: jobId, poolInfo: { poolId: runner.poolId }, jobManagerTask }),
      );
      assert.deepEqual(refused, { statusCode: 400, code: 'UnsupportedProperty' }, property);
      assert.equal((await refusal(runner.client.job.get(jobId))).code, 'JobNotFound');
    }
  });
});
