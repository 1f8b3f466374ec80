/**
 * each operation answers its exact documented success status (any other 2xx makes the
 * SDK reject), plus deletes: pool/job delete 202 (passing through `deleting`), task delete 200, then 404.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addPool, addTask, poolBody } from '../support/fixtures.js';
import { NO_SUCH_POOL, uniqueId } from '../support/ids.js';
import { waitForState, waitUntilGone } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

void describe('exact success status codes', () => {
  const ctx = withServer();

  void it('pool add 201, resize 202, delete 202 → deleting → 404 PoolNotFound', async () => {
    const client = sdkClient(ctx.server);
    const id = uniqueId('codes-pool');
    assert.equal((await client.pool.add(poolBody(id)))._response.status, 201);
    await waitFor(async () => (await client.pool.get(id)).allocationState === 'steady', {
      what: 'steady pool',
    });
    const resized = await client.pool.resize(id, { targetDedicatedNodes: 0, targetLowPriorityNodes: 0 });
    assert.equal(resized._response.status, 202);
    const deleted = await client.pool.deleteMethod(id);
    assert.equal(deleted._response.status, 202);
    await waitUntilGone(() => client.pool.get(id), 'PoolNotFound', ['active', 'deleting']);
    assert.equal((await client.pool.exists(id)).body, false);
  });

  void it('job add 201, update 200, patch 200, disable/enable/terminate 202', async () => {
    const client = sdkClient(ctx.server);
    const id = uniqueId('codes-job');
    const added = await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL } });
    assert.equal(added._response.status, 201);
    const updated = await client.job.update(id, { poolInfo: { poolId: NO_SUCH_POOL }, priority: 3 });
    assert.equal(updated._response.status, 200);
    const patched = await client.job.patch(id, { priority: 7 });
    assert.equal(patched._response.status, 200);
    assert.equal((await client.job.get(id)).priority, 7);
    assert.equal((await client.job.disable(id, 'requeue'))._response.status, 202);
    await waitForState(() => client.job.get(id), 'disabled');
    assert.equal((await client.job.enable(id))._response.status, 202);
    await waitForState(() => client.job.get(id), 'active');
    assert.equal((await client.job.terminate(id))._response.status, 202);
    await waitForState(() => client.job.get(id), 'completed');
  });

  void it('job delete 202 → deleting → 404 JobNotFound; its tasks go with it', async () => {
    const client = sdkClient(ctx.server);
    const id = await addIdleJob(client);
    const taskId = await addTask(client, id);
    const deleted = await client.job.deleteMethod(id);
    assert.equal(deleted._response.status, 202);
    await waitUntilGone(() => client.job.get(id), 'JobNotFound', ['active', 'deleting']);
    const gone = await expectRestStatus(client.task.get(id, taskId), 404);
    assert.ok(['JobNotFound', 'TaskNotFound'].includes(String(gone.code)), `404 code: ${gone.code}`);
  });

  void it('task add 201, addCollection 200, update 200, terminate 204, reactivate 204, delete 200 → 404', async () => {
    const client = sdkClient(ctx.server);
    const jobId = await addIdleJob(client);
    const taskId = uniqueId('codes-task');
    const added = await client.task.add(jobId, { id: taskId, commandLine: '/bin/sh -c "exit 0"' });
    assert.equal(added._response.status, 201);
    const collection = await client.task.addCollection(jobId, [
      { id: uniqueId('codes-c'), commandLine: 'true' },
    ]);
    assert.equal(collection._response.status, 200);
    const updated = await client.task.update(jobId, taskId, { constraints: { maxTaskRetryCount: 1 } });
    assert.equal(updated._response.status, 200);
    assert.equal((await client.task.terminate(jobId, taskId))._response.status, 204);
    await waitForState(() => client.task.get(jobId, taskId), 'completed');
    assert.equal((await client.task.reactivate(jobId, taskId))._response.status, 204);
    assert.equal((await client.task.get(jobId, taskId)).state, 'active');
    const deleted = await client.task.deleteMethod(jobId, taskId);
    assert.equal(deleted._response.status, 200);
    await expectBatchError(client.task.get(jobId, taskId), { statusCode: 404, code: 'TaskNotFound' });
  });

  void it('mutations answer ETag/Last-Modified and request-id; add answers DataServiceId', async () => {
    const client = sdkClient(ctx.server);
    const poolId = await addPool(client);
    const id = uniqueId('codes-hdr');
    const added = await client.job.add({ id, poolInfo: { poolId } });
    assert.ok(added.eTag, 'ETag on add');
    assert.ok(added.lastModified instanceof Date, 'Last-Modified on add');
    assert.ok(added.requestId, 'request-id on add');
    assert.ok(added.dataServiceId && /^https?:\/\//.test(added.dataServiceId), 'absolute DataServiceId');
    const job = await client.job.get(id);
    assert.equal(job.eTag, added.eTag, 'get returns the ETag the add answered');
    assert.equal(job._response.headers.get('etag'), job.eTag, 'ETag header equals the body eTag');
  });
});
