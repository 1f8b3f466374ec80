/** missing resources → 404 with the resource's own code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addPool, addTask } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

void describe('not found', () => {
  const ctx = withServer();

  void it('job.get of a missing job → 404 JobNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    await expectBatchError(client.job.get('nope'), { statusCode: 404, code: 'JobNotFound' });
  });

  void it('task.get of a missing task → 404 TaskNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    await expectBatchError(client.task.get(jobId, 'nope'), { statusCode: 404, code: 'TaskNotFound' });
  });

  void it('task.add to a missing job → 404 JobNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    await expectBatchError(client.task.add('nope', { id: 't1', commandLine: 'true' }), {
      statusCode: 404,
      code: 'JobNotFound',
    });
  });

  void it('pool.get of a missing pool → 404 PoolNotFound', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    await expectBatchError(client.pool.get('nope'), { statusCode: 404, code: 'PoolNotFound' });
  });

  void it('file.getFromTask of a missing file → 404 (SDK); FileNotFound on the wire', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    // A streaming operation: 10.2.0 does not parse its error body, so only the status is visible through the SDK.
    await expectRestStatus(client.file.getFromTask(jobId, taskId, 'no-such-file.txt'), 404);
    const wire = await rawRequest(ctx.server, {
      method: 'GET',
      path: `/jobs/${jobId}/tasks/${taskId}/files/no-such-file.txt`,
    });
    assertBatchErrorResponse(wire, { status: 404, code: 'FileNotFound' });
  });

  void it('file.getPropertiesFromTask (HEAD) of a missing file → 404 without a body', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = await addTask(client, jobId);
    const error = await expectRestStatus(
      client.file.getPropertiesFromTask(jobId, taskId, 'wd/missing.txt'),
      404,
    );
    assert.equal(error.code, undefined, 'HEAD answers carry no body, so the SDK has no code');
  });

  void it('pool.exists resolves body=false for a missing pool and body=true for an existing one', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const missing = await client.pool.exists(uniqueId('missing'));
    assert.equal(missing.body, false);
    assert.equal(missing._response.status, 404);
    assert.ok(missing._response.headers.get('request-id'));
    const id = await addPool(client);
    const present = await client.pool.exists(id);
    assert.equal(present.body, true);
    assert.equal(present._response.status, 200);
    const otherCase = await client.pool.exists(id.toUpperCase());
    assert.equal(otherCase.body, true, 'ids are case-insensitive');
  });
});
