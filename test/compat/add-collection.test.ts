/** addtaskcollection limits (SDK side) and partial results. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addIdleJob, addTask } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient, type SentRequest } from '../support/sdk.js';
import { withServer } from '../support/server.js';

function tasks(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    commandLine: `/bin/sh -c "exit 0"`,
  }));
}

void describe('addtaskcollection', () => {
  const ctx = withServer();

  void it('101 tasks: the SDK throws (MaxItems 100) and the server sees no request', async () => {
    const sent: SentRequest[] = [];
    const client = sdkClient(ctx.server, { sent });
    const jobId = await addIdleJob(client);
    sent.length = 0;
    await assert.rejects(client.task.addCollection(jobId, tasks(101, 'over')));
    assert.equal(sent.length, 0, 'rejected client-side before any HTTP request');
    assert.equal((await client.task.list(jobId)).length, 0);
  });

  void it('100 tasks in one call: 200 and every one succeeds', async () => {
    const client = sdkClient(ctx.server);
    const jobId = await addIdleJob(client);
    const result = await client.task.addCollection(jobId, tasks(100, 'full'));
    assert.equal(result._response.status, 200);
    assert.equal(result.value?.length, 100);
    assert.ok(result.value?.every((r) => r.status === 'success'));
    const ids = new Set(result.value?.map((r) => r.taskId));
    assert.equal(ids.size, 100);
    assert.equal((await client.task.list(jobId)).length, 100);
  });

  void it('3 tasks, one id already present: 200 with two successes and one clienterror TaskExists', async () => {
    const client = sdkClient(ctx.server);
    const jobId = await addIdleJob(client);
    const existing = await addTask(client, jobId, { id: uniqueId('exists') });
    const before = await client.task.get(jobId, existing);
    const fresh = [uniqueId('new'), uniqueId('new')];
    const result = await client.task.addCollection(jobId, [
      { id: fresh[0]!, commandLine: 'true' },
      { id: existing, commandLine: 'other' },
      { id: fresh[1]!, commandLine: 'true' },
    ]);
    assert.equal(result._response.status, 200);
    const byId = new Map((result.value ?? []).map((r) => [r.taskId, r]));
    assert.equal(byId.size, 3);
    for (const id of fresh) {
      const ok = byId.get(id);
      assert.equal(ok?.status, 'success');
      assert.ok(ok?.eTag, 'success has eTag');
      assert.ok(ok?.lastModified, 'success has lastModified');
      assert.ok(ok?.location && /^https?:\/\//.test(ok.location), 'success has an absolute location');
      assert.equal(ok?.error, undefined);
    }
    const failed = byId.get(existing);
    assert.equal(failed?.status, 'clienterror');
    assert.equal(failed?.error?.code, 'TaskExists');
    assert.equal(typeof failed?.error?.message?.value, 'string');
    const after = await client.task.get(jobId, existing);
    assert.deepEqual(
      { eTag: after.eTag, commandLine: after.commandLine },
      { eTag: before.eTag, commandLine: before.commandLine },
    );
    assert.equal((await client.task.list(jobId)).length, 3);
  });
});
