/** adding an existing id (also differing only in case) → 409 …Exists, nothing changed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob, addPool, poolBody } from '../support/fixtures.js';
import { NO_SUCH_POOL, uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

function swapCase(id: string): string {
  return [...id].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

void describe('create twice → 409 …Exists', () => {
  const ctx = withServer();

  void it('job.add twice → 409 JobExists; the message is an object; the first job is unchanged', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = uniqueId('dup-job');
    await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL }, priority: 1 });
    const before = await client.job.get(id);
    const error = await expectBatchError(client.job.add({ id, poolInfo: { poolId: 'other' }, priority: 9 }), {
      statusCode: 409,
      code: 'JobExists',
    });
    assert.equal(typeof error.message, 'object');
    const after = await client.job.get(id);
    assert.deepEqual(
      { eTag: after.eTag, priority: after.priority, pool: after.poolInfo?.poolId },
      { eTag: before.eTag, priority: 1, pool: NO_SUCH_POOL },
    );
  });

  void it('job ids are case-insensitive: an id differing only in case → 409 JobExists', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client, { id: uniqueId('CaseJob') });
    await expectBatchError(client.job.add({ id: swapCase(id), poolInfo: { poolId: NO_SUCH_POOL } }), {
      statusCode: 409,
      code: 'JobExists',
    });
    const fetched = await client.job.get(swapCase(id));
    assert.equal(fetched.id, id, 'lookup is case-insensitive and the stored id keeps its case');
  });

  void it('pool.add twice (and in another case) → 409 PoolExists', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addPool(client, { id: uniqueId('DupPool') });
    const before = await client.pool.get(id);
    await expectBatchError(client.pool.add(poolBody(id)), { statusCode: 409, code: 'PoolExists' });
    await expectBatchError(client.pool.add(poolBody(swapCase(id))), { statusCode: 409, code: 'PoolExists' });
    const after = await client.pool.get(id);
    assert.equal(after.eTag, before.eTag);
  });

  void it('task.add twice (and in another case) → 409 TaskExists', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const taskId = uniqueId('DupTask');
    await client.task.add(jobId, { id: taskId, commandLine: '/bin/sh -c "exit 0"' });
    const before = await client.task.get(jobId, taskId);
    await expectBatchError(client.task.add(jobId, { id: taskId, commandLine: 'other' }), {
      statusCode: 409,
      code: 'TaskExists',
    });
    await expectBatchError(client.task.add(jobId, { id: swapCase(taskId), commandLine: 'other' }), {
      statusCode: 409,
      code: 'TaskExists',
    });
    const after = await client.task.get(jobId, taskId);
    assert.deepEqual(
      { eTag: after.eTag, commandLine: after.commandLine },
      { eTag: before.eTag, commandLine: '/bin/sh -c "exit 0"' },
    );
    const tasks = await client.task.list(jobId);
    assert.equal(tasks.length, 1);
  });
});
