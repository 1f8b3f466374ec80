/** If-Match / If-None-Match on jobs (412 ConditionNotMet on writes, 304 on reads). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addTask } from '../support/fixtures.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

void describe('ETag concurrency', () => {
  const ctx = withServer();

  void it('patch changes the ETag; a stale If-Match → 412 ConditionNotMet; the current one → 200', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client, { priority: 1 });
    const etagA = (await client.job.get(id)).eTag;
    assert.ok(etagA);
    const patched = await client.job.patch(id, { priority: 2 });
    const etagB = (await client.job.get(id)).eTag;
    assert.ok(etagB);
    assert.notEqual(etagB, etagA, 'a write produces a new ETag');
    assert.equal(patched.eTag, etagB, 'the patch answer carries the new ETag');
    await expectBatchError(client.job.patch(id, { priority: 3 }, { jobPatchOptions: { ifMatch: etagA } }), {
      statusCode: 412,
      code: 'ConditionNotMet',
    });
    const unchanged = await client.job.get(id);
    assert.deepEqual({ eTag: unchanged.eTag, priority: unchanged.priority }, { eTag: etagB, priority: 2 });
    const ok = await client.job.patch(id, { priority: 4 }, { jobPatchOptions: { ifMatch: etagB } });
    assert.equal(ok._response.status, 200);
    const after = await client.job.get(id);
    assert.equal(after.priority, 4);
    assert.notEqual(after.eTag, etagB);
  });

  void it('get with If-None-Match equal to the current ETag → 304; with an old one → 200', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const old = (await client.job.get(id)).eTag!;
    await client.job.patch(id, { priority: 10 });
    const current = (await client.job.get(id)).eTag!;
    await expectRestStatus(client.job.get(id, { jobGetOptions: { ifNoneMatch: current } }), 304);
    const fresh = await client.job.get(id, { jobGetOptions: { ifNoneMatch: old } });
    assert.equal(fresh._response.status, 200);
    assert.equal(fresh.priority, 10);
  });

  void it('delete with a stale If-Match → 412 and the job survives', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const old = (await client.job.get(id)).eTag!;
    await client.job.patch(id, { priority: 5 });
    await expectBatchError(client.job.deleteMethod(id, { jobDeleteMethodOptions: { ifMatch: old } }), {
      statusCode: 412,
      code: 'ConditionNotMet',
    });
    assert.equal((await client.job.get(id)).state, 'active');
  });

  void it('task update with a stale If-Match → 412; with the current ETag → 200', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const old = (await client.task.get(jobId, taskId)).eTag!;
    await client.task.update(jobId, taskId, { constraints: { maxTaskRetryCount: 1 } });
    const current = (await client.task.get(jobId, taskId)).eTag!;
    assert.notEqual(current, old);
    await expectBatchError(
      client.task.update(jobId, taskId, {
        constraints: { maxTaskRetryCount: 2 },
        taskUpdateOptions: { ifMatch: old },
      }),
      { statusCode: 412, code: 'ConditionNotMet' },
    );
    assert.equal((await client.task.get(jobId, taskId)).constraints?.maxTaskRetryCount, 1);
    const ok = await client.task.update(jobId, taskId, {
      constraints: { maxTaskRetryCount: 3 },
      taskUpdateOptions: { ifMatch: current },
    });
    assert.equal(ok._response.status, 200);
  });
});
