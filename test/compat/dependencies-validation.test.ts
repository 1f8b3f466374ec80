/**
 * Task add is
 * checked against the job's settings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob, addTask } from '../support/fixtures.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

void describe('task dependencies and exit-condition validation', () => {
  const ctx = withServer();

  void it('dependsOn on a job without usesTaskDependencies → 400 TaskDependenciesNotSpecifiedOnJob, nothing added', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const parent = await addTask(client, jobId);
    await expectBatchError(
      client.task.add(jobId, { id: 'child', commandLine: 'true', dependsOn: { taskIds: [parent] } }),
      { statusCode: 400, code: 'TaskDependenciesNotSpecifiedOnJob' },
    );
    await expectBatchError(client.task.get(jobId, 'child'), { statusCode: 404, code: 'TaskNotFound' });
    await expectBatchError(
      client.task.add(jobId, {
        id: 'ranged',
        commandLine: 'true',
        dependsOn: { taskIdRanges: [{ start: 1, end: 3 }] },
      }),
      { statusCode: 400, code: 'TaskDependenciesNotSpecifiedOnJob' },
    );
  });

  void it('with usesTaskDependencies the dependant is accepted, keeps its dependsOn and waits in active', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client, { usesTaskDependencies: true });
    const job = await client.job.get(jobId);
    assert.equal(job.usesTaskDependencies, true);
    await addTask(client, jobId, { id: '1' });
    const added = await client.task.add(jobId, {
      id: 'child',
      commandLine: 'true',
      dependsOn: { taskIds: ['1'], taskIdRanges: [{ start: 1, end: 1 }] },
    });
    assert.equal(added._response.status, 201);
    const child = await client.task.get(jobId, 'child');
    assert.deepEqual(child.dependsOn?.taskIds, ['1']);
    assert.deepEqual(child.dependsOn?.taskIdRanges, [{ start: 1, end: 1 }]);
    assert.equal(child.state, 'active');
  });

  void it('addCollection on a job with usesTaskDependencies accepts dependants', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client, { usesTaskDependencies: true });
    const result = await client.task.addCollection(jobId, [
      { id: 'a', commandLine: 'true' },
      { id: 'b', commandLine: 'true', dependsOn: { taskIds: ['a'] } },
    ]);
    assert.deepEqual(
      (result.value ?? []).map((r) => r.status),
      ['success', 'success'],
    );
  });

  void it('exitConditions with a jobAction on a job whose onTaskFailure is noaction → 400, nothing added', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client, { onTaskFailure: 'noaction' });
    await expectBatchError(
      client.task.add(jobId, {
        id: 'exits',
        commandLine: 'true',
        exitConditions: { exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }] },
      }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    assert.equal((await client.task.list(jobId)).length, 0);
  });

  void it('the same exitConditions on a job with onTaskFailure performexitoptionsjobaction are accepted', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client, { onTaskFailure: 'performexitoptionsjobaction' });
    const added = await client.task.add(jobId, {
      id: 'exits',
      commandLine: 'true',
      exitConditions: { exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }] },
    });
    assert.equal(added._response.status, 201);
    const task = await client.task.get(jobId, 'exits');
    assert.equal(task.exitConditions?.exitCodes?.[0]?.exitOptions?.jobAction, 'terminate');
  });
});
