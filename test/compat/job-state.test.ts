/**
 * Job state transitions (the Azure Batch REST API reference, Job operations): terminate, disable with no running
 * tasks, and the end of a job once all its tasks complete.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addTask } from '../support/fixtures.js';
import { NO_SUCH_POOL } from '../support/ids.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

void describe('job state', () => {
  const ctx = withServer();

  void describe('onAllTasksComplete', () => {
    void it('noaction → terminatejob is accepted; back to noaction → 400 InvalidPropertyValue, nothing changed', async () => {
      const client = sdkClient(ctx.server, { retries: false });
      const id = await addIdleJob(client, { onAllTasksComplete: 'noaction' });
      await addTask(client, id); // stays active, so the job cannot complete meanwhile
      const patched = await client.job.patch(id, { onAllTasksComplete: 'terminatejob' });
      assert.equal(patched._response.status, 200);
      const job = await client.job.get(id);
      assert.deepEqual(
        { action: job.onAllTasksComplete, state: job.state },
        { action: 'terminatejob', state: 'active' },
      );
      await expectBatchError(client.job.patch(id, { onAllTasksComplete: 'noaction' }), {
        statusCode: 400,
        code: 'InvalidPropertyValue',
      });
      const after = await client.job.get(id);
      assert.deepEqual(
        { action: after.onAllTasksComplete, eTag: after.eTag },
        { action: 'terminatejob', eTag: job.eTag },
      );
    });

    void it('update (PUT) omitting onAllTasksComplete on a terminatejob job → 400, nothing changed', async () => {
      const client = sdkClient(ctx.server, { retries: false });
      const id = await addIdleJob(client);
      await addTask(client, id);
      await client.job.patch(id, { onAllTasksComplete: 'terminatejob' });
      const before = await client.job.get(id);
      const error = await expectRestStatus(
        client.job.update(id, { poolInfo: { poolId: NO_SUCH_POOL } }),
        400,
      );
      assert.equal(typeof error.code, 'string');
      const after = await client.job.get(id);
      assert.deepEqual(
        { action: after.onAllTasksComplete, eTag: after.eTag },
        { action: 'terminatejob', eTag: before.eTag },
      );
    });

    void it('a job with zero tasks patched to terminatejob completes with terminateReason AllTasksComplete', async () => {
      const client = sdkClient(ctx.server, { retries: false });
      const id = await addIdleJob(client, { onAllTasksComplete: 'noaction' });
      await client.job.patch(id, { onAllTasksComplete: 'terminatejob' });
      const job = await waitForState(() => client.job.get(id), 'completed');
      assert.equal(job.executionInfo?.terminateReason, 'AllTasksComplete');
    });
  });

  void it('update (PUT) replaces: omitted metadata and constraints are cleared', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client, {
      metadata: [{ name: 'team', value: 'a' }],
      constraints: { maxTaskRetryCount: 3 },
      priority: 9,
    });
    await client.job.update(id, { poolInfo: { poolId: NO_SUCH_POOL } });
    const job = await client.job.get(id);
    assert.ok(
      job.metadata === undefined || job.metadata.length === 0,
      `metadata cleared: ${JSON.stringify(job.metadata)}`,
    );
    assert.ok(!job.constraints?.maxTaskRetryCount, `constraints cleared: ${JSON.stringify(job.constraints)}`);
    assert.ok(!job.priority, 'priority back to its default 0');
  });

  void it('patch leaves omitted properties unchanged', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client, {
      metadata: [{ name: 'team', value: 'a' }],
      constraints: { maxTaskRetryCount: 3 },
    });
    await client.job.patch(id, { priority: 100 });
    const job = await client.job.get(id);
    assert.deepEqual(
      { priority: job.priority, metadata: job.metadata, retries: job.constraints?.maxTaskRetryCount },
      { priority: 100, metadata: [{ name: 'team', value: 'a' }], retries: 3 },
    );
  });

  void it('disable with no running tasks → disabled; enable → active', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const taskId = await addTask(client, id);
    assert.equal((await client.job.disable(id, 'requeue'))._response.status, 202);
    const seen = new Set<string>();
    await waitFor(async () => {
      const job = await client.job.get(id);
      seen.add(String(job.state));
      return job.state === 'disabled';
    });
    assert.ok(
      [...seen].every((s) => s === 'disabling' || s === 'disabled'),
      `states: ${[...seen].join(',')}`,
    );
    const disabled = await client.job.get(id);
    assert.ok(
      ['active', 'disabling'].includes(String(disabled.previousState)),
      `previousState ${disabled.previousState}`,
    );
    assert.ok(disabled.stateTransitionTime instanceof Date);
    assert.equal((await client.task.get(id, taskId)).state, 'active', 'an active task stays active');
    assert.equal((await client.job.enable(id))._response.status, 202);
    await waitForState(() => client.job.get(id), 'active');
  });

  void it('disable on a completed job → 409', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    await client.job.terminate(id);
    await waitForState(() => client.job.get(id), 'completed');
    const error = await expectRestStatus(client.job.disable(id, 'requeue'), 409);
    assert.equal(typeof error.code, 'string', 'a 409 carries a Batch error code');
    assert.equal((await client.job.get(id)).state, 'completed');
  });

  void it('terminate with a reason → completed with that terminateReason; task add afterwards → 409 JobCompleted', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const activeTask = await addTask(client, id);
    const terminated = await client.job.terminate(id, { terminateReason: 'NightlyCutoff' });
    assert.equal(terminated._response.status, 202);
    const job = await waitForState(() => client.job.get(id), 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'NightlyCutoff');
    assert.ok(job.executionInfo?.endTime instanceof Date, 'executionInfo.endTime set on completion');
    assert.equal((await client.task.get(id, activeTask)).state, 'active', 'active tasks stay active');
    await expectBatchError(client.task.add(id, { id: 'late', commandLine: 'true' }), {
      statusCode: 409,
      code: 'JobCompleted',
    });
    await expectBatchError(client.task.get(id, 'late'), { statusCode: 404, code: 'TaskNotFound' });
  });

  void it('terminate without a reason → terminateReason UserTerminate', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    await client.job.terminate(id);
    const job = await waitForState(() => client.job.get(id), 'completed');
    assert.equal(job.executionInfo?.terminateReason, 'UserTerminate');
  });
});
