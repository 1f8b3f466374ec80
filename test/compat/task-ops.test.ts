/**
 * Task operations on tasks that never run (their job's pool does not exist): terminate, reactivate, update,
 * defaults, taskcounts, subtasksinfo, files (the Azure Batch REST API reference, Task and File operations).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '@batchite/protocol';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addTask } from '../support/fixtures.js';
import { waitForState } from '../support/poll.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const COUNT_KEYS = ['active', 'completed', 'failed', 'running', 'succeeded'];

void describe('task operations', () => {
  const ctx = withServer();

  void it('a fresh task: active, retryCount/requeueCount 0, no previousState, inherits the job maxTaskRetryCount', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client, { constraints: { maxTaskRetryCount: 2 } });
    const taskId = await addTask(client, jobId);
    const task = await client.task.get(jobId, taskId);
    assert.equal(task.state, 'active');
    assert.equal(task.previousState, undefined);
    assert.deepEqual(
      { retryCount: task.executionInfo?.retryCount, requeueCount: task.executionInfo?.requeueCount },
      { retryCount: 0, requeueCount: 0 },
    );
    assert.equal(task.constraints?.maxTaskRetryCount, 2);
    assert.ok(task.creationTime instanceof Date && task.lastModified instanceof Date);
    assert.ok(task.url && /^https?:\/\//.test(task.url), 'absolute url');
  });

  void it('terminate an active task → 204, then completed with failureInfo TaskEnded; again → 409 TaskCompleted', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const terminated = await client.task.terminate(jobId, taskId);
    assert.equal(terminated._response.status, 204);
    const task = await waitForState(() => client.task.get(jobId, taskId), 'completed');
    assert.equal(task.previousState, 'active');
    assert.deepEqual(
      { category: task.executionInfo?.failureInfo?.category, code: task.executionInfo?.failureInfo?.code },
      { category: 'usererror', code: 'TaskEnded' },
    );
    assert.equal(task.executionInfo?.result, 'failure');
    await expectBatchError(client.task.terminate(jobId, taskId), { statusCode: 409, code: 'TaskCompleted' });
  });

  void it('reactivate an active (not completed) task → 409 TaskNotCompleted', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const before = await client.task.get(jobId, taskId);
    await expectBatchError(client.task.reactivate(jobId, taskId), {
      statusCode: 409,
      code: 'TaskNotCompleted',
    });
    const after = await client.task.get(jobId, taskId);
    assert.deepEqual({ state: after.state, eTag: after.eTag }, { state: 'active', eTag: before.eTag });
  });

  void it('reactivate a terminated (failed) task → 204, active again with failureInfo cleared', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    await client.task.terminate(jobId, taskId);
    await waitForState(() => client.task.get(jobId, taskId), 'completed');
    assert.equal((await client.task.reactivate(jobId, taskId))._response.status, 204);
    const task = await client.task.get(jobId, taskId);
    assert.equal(task.state, 'active');
    assert.equal(task.executionInfo?.retryCount, 0);
    assert.equal(task.executionInfo?.failureInfo, undefined);
    assert.equal(task.executionInfo?.exitCode, undefined);
    assert.equal(task.executionInfo?.result, undefined);
  });

  void it('update constraints → 200 and visible on get', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const updated = await client.task.update(jobId, taskId, {
      constraints: { maxTaskRetryCount: 4, maxWallClockTime: 'PT1H', retentionTime: 'P2D' },
    });
    assert.equal(updated._response.status, 200);
    const task = await client.task.get(jobId, taskId);
    assert.equal(task.constraints?.maxTaskRetryCount, 4);
    assert.equal(parseDuration(String(task.constraints?.maxWallClockTime)), 3_600_000);
    assert.equal(parseDuration(String(task.constraints?.retentionTime)), 2 * 86_400_000);
    assert.equal(updated.eTag, task.eTag, 'the update answer carries the new ETag');
  });

  void it('taskcounts: both count objects with the documented keys; terminated tasks count as completed+failed', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    await client.task.addCollection(jobId, [
      { id: 'c1', commandLine: 'true' },
      { id: 'c2', commandLine: 'true' },
      { id: 'c3', commandLine: 'true' },
    ]);
    await client.task.terminate(jobId, 'c3');
    const counts = await waitFor(
      async () => {
        const result = await client.job.getTaskCounts(jobId);
        return result.taskCounts.completed === 1 ? result : undefined;
      },
      { what: 'taskcounts to catch up (they may lag)' },
    );
    assert.equal(counts._response.status, 200);
    assert.deepEqual(Object.keys(counts.taskCounts).sort(), COUNT_KEYS);
    assert.deepEqual(Object.keys(counts.taskSlotCounts).sort(), COUNT_KEYS);
    assert.deepEqual(
      { ...counts.taskCounts },
      { active: 2, running: 0, completed: 1, succeeded: 0, failed: 1 },
    );
    assert.deepEqual(
      { ...counts.taskSlotCounts },
      { active: 2, running: 0, completed: 1, succeeded: 0, failed: 1 },
    );
  });

  void it('subtasksinfo of a non-multi-instance task → 200 with an empty list', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const subtasks = await client.task.listSubtasks(jobId, taskId);
    assert.equal(subtasks._response.status, 200);
    assert.deepEqual(subtasks.value ?? [], []);
    assert.ok(Array.isArray(subtasks.value), 'value is present as an array');
  });

  void it('files of a task that has not run → 200 with a (possibly empty) list; a missing file → 404 FileNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const files = await client.file.listFromTask(jobId, taskId, { recursive: true });
    assert.equal(files._response.status, 200);
    assert.ok(Array.isArray(files));
    for (const file of files) assert.equal(typeof file.name, 'string');
    await expectRestStatus(client.file.getFromTask(jobId, taskId, 'wd/none.txt'), 404);
    const wire = await rawRequest(ctx.server, {
      method: 'GET',
      path: `/jobs/${jobId}/tasks/${taskId}/files/wd%2Fnone.txt`,
    });
    assertBatchErrorResponse(wire, { status: 404, code: 'FileNotFound' });
  });
});
