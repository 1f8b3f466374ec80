/** $filter / $select on lists, bad filters → 400 InvalidQueryParameterValue. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob, addPool } from '../support/fixtures.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

function ids(items: { id?: string }[]): string[] {
  return items.map((item) => String(item.id)).sort();
}

/**
 * Property names of the list items as the server sent them. The SDK's deserializer fills mapper defaults
 * (e.g. CloudJob.maxParallelTasks = -1) into absent properties, so $select is checked on the wire body.
 */
function wireItemKeys(response: { _response: { bodyAsText?: string | null } }): string[][] {
  const body = JSON.parse(response._response.bodyAsText ?? '{}') as { value?: Record<string, unknown>[] };
  return (body.value ?? []).map((item) => Object.keys(item).sort());
}

void describe('OData $filter and $select', () => {
  const ctx = withServer();
  let client: BatchServiceClient;
  let jobId: string;
  let doneJobId: string;

  before(async () => {
    client = sdkClient(ctx.server);
    jobId = await addIdleJob(client);
    await client.task.addCollection(jobId, [
      { id: 'alpha-1', commandLine: 'true' },
      { id: 'alpha-2', commandLine: 'true' },
      { id: 'beta-1', commandLine: 'true' },
    ]);
    await client.task.terminate(jobId, 'alpha-2');
    await waitForState(() => client.task.get(jobId, 'alpha-2'), 'completed');
    doneJobId = await addIdleJob(client);
    await client.job.terminate(doneJobId);
    await waitForState(() => client.job.get(doneJobId), 'completed');
  });

  void it("tasks: state eq 'completed' / 'active' return only matching tasks", async () => {
    const completed = await client.task.list(jobId, { taskListOptions: { filter: "state eq 'completed'" } });
    assert.deepEqual(ids(completed), ['alpha-2']);
    const active = await client.task.list(jobId, { taskListOptions: { filter: "state eq 'active'" } });
    assert.deepEqual(ids(active), ['alpha-1', 'beta-1']);
  });

  void it('tasks: id comparisons, startswith, and/or', async () => {
    const one = await client.task.list(jobId, { taskListOptions: { filter: "id eq 'beta-1'" } });
    assert.deepEqual(ids(one), ['beta-1']);
    const prefixed = await client.task.list(jobId, {
      taskListOptions: { filter: "startswith(id, 'alpha')" },
    });
    assert.deepEqual(ids(prefixed), ['alpha-1', 'alpha-2']);
    const both = await client.task.list(jobId, {
      taskListOptions: { filter: "startswith(id, 'alpha') and state eq 'active'" },
    });
    assert.deepEqual(ids(both), ['alpha-1']);
    const either = await client.task.list(jobId, {
      taskListOptions: { filter: "id eq 'beta-1' or state eq 'completed'" },
    });
    assert.deepEqual(ids(either), ['alpha-2', 'beta-1']);
    const notEqual = await client.task.list(jobId, { taskListOptions: { filter: "id ne 'alpha-1'" } });
    assert.deepEqual(ids(notEqual), ['alpha-2', 'beta-1']);
  });

  void it("tasks: select 'id,state' returns only those properties", async () => {
    const tasks = await client.task.list(jobId, { taskListOptions: { select: 'id,state' } });
    assert.equal(tasks.length, 3);
    for (const task of tasks) assert.ok(task.id && task.state, 'selected properties present');
    assert.deepEqual(wireItemKeys(tasks), [
      ['id', 'state'],
      ['id', 'state'],
      ['id', 'state'],
    ]);
  });

  void it("task get with select 'id,commandLine'", async () => {
    const task = await client.task.get(jobId, 'beta-1', { taskGetOptions: { select: 'id,commandLine' } });
    assert.equal(task.id, 'beta-1');
    assert.equal(task.commandLine, 'true');
    assert.equal(task.state, undefined);
    assert.equal(task.eTag, undefined);
  });

  void it("jobs: state eq 'completed' and select", async () => {
    const completed = await client.job.list({ jobListOptions: { filter: "state eq 'completed'" } });
    assert.deepEqual(ids(completed), [doneJobId]);
    const selected = await client.job.list({ jobListOptions: { select: 'id', filter: `id eq '${jobId}'` } });
    assert.equal(selected.length, 1);
    assert.deepEqual(wireItemKeys(selected), [['id']]);
  });

  void it('pools: filter by id', async () => {
    const poolId = await addPool(client);
    await addPool(client);
    const pools = await client.pool.list({ poolListOptions: { filter: `id eq '${poolId}'` } });
    assert.deepEqual(ids(pools), [poolId]);
  });

  void it('an invalid filter → 400 InvalidQueryParameterValue naming $filter', async () => {
    const raw = sdkClient(ctx.server, { retries: false });
    for (const filter of ["state eq 'completed' and", 'nosuchproperty eq 3', "state eq 'completed"]) {
      const error = await expectBatchError(raw.task.list(jobId, { taskListOptions: { filter } }), {
        statusCode: 400,
        code: 'InvalidQueryParameterValue',
      });
      const values = (error.body as { values?: { key: string; value: string }[] }).values ?? [];
      const name = values.find((v) => v.key === 'QueryParameterName');
      assert.equal(name?.value, '$filter', `values: ${JSON.stringify(values)}`);
    }
  });
});
