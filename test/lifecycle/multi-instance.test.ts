/**
 * Multi-instance tasks. Batchite does not reserve several nodes for one task yet, so it refuses
 * `multiInstanceSettings` with 400 `UnsupportedProperty` naming the property instead of running the task once as
 * an ordinary one; the Batch rule that such a task takes one slot is checked first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestError } from '@azure/ms-rest-js';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const MULTI = { numberOfInstances: 3, coordinationCommandLine: '/bin/sh -c "exit 0"' };

function detailsOf(error: RestError): Record<string, string> {
  const values = (error.body as { values?: { key: string; value: string }[] }).values ?? [];
  return Object.fromEntries(values.map(({ key, value }) => [key, value]));
}

void describe('multi-instance tasks', () => {
  const ctx = withServer();

  void it('add → 400 UnsupportedProperty naming multiInstanceSettings; the task is not stored', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const id = uniqueId('mi');
    const error = await expectBatchError(
      client.task.add(jobId, { id, commandLine: '/bin/sh -c "exit 0"', multiInstanceSettings: MULTI }),
      { statusCode: 400, code: 'UnsupportedProperty' },
    );
    const details = detailsOf(error);
    assert.equal(details.PropertyName, 'multiInstanceSettings');
    assert.ok(details.Reason, 'the refusal says why');
    await expectRestStatus(client.task.get(jobId, id), 404);
  });

  void it('common resource files are named on their own', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const settings = {
      ...MULTI,
      commonResourceFiles: [{ httpUrl: 'http://127.0.0.1:9/input.txt', filePath: 'input.txt' }],
    };
    const error = await expectBatchError(
      client.task.add(jobId, {
        id: uniqueId('mi'),
        commandLine: '/bin/sh -c "exit 0"',
        multiInstanceSettings: settings,
      }),
      { statusCode: 400, code: 'UnsupportedProperty' },
    );
    assert.equal(detailsOf(error).PropertyName, 'multiInstanceSettings.commonResourceFiles');
  });

  void it('requiredSlots other than 1 → 400 InvalidPropertyValue naming requiredSlots', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const error = await expectBatchError(
      client.task.add(jobId, {
        id: uniqueId('mi'),
        commandLine: '/bin/sh -c "exit 0"',
        requiredSlots: 2,
        multiInstanceSettings: MULTI,
      }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    assert.equal(detailsOf(error).PropertyName, 'requiredSlots');
  });

  void it('add collection: the multi-instance task fails alone (clienterror), the plain one is added', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    const multi = uniqueId('mi');
    const plain = uniqueId('plain');
    const result = await client.task.addCollection(jobId, [
      { id: multi, commandLine: '/bin/sh -c "exit 0"', multiInstanceSettings: MULTI },
      { id: plain, commandLine: '/bin/sh -c "exit 0"' },
    ]);
    const byId = new Map((result.value ?? []).map((item) => [item.taskId, item]));
    assert.equal(byId.get(plain)?.status, 'success');
    const refused = byId.get(multi);
    assert.equal(refused?.status, 'clienterror');
    assert.equal(refused?.error?.code, 'UnsupportedProperty');
    const name = refused?.error?.values?.find((detail) => detail.key === 'PropertyName');
    assert.equal(name?.value, 'multiInstanceSettings');
    await expectRestStatus(client.task.get(jobId, multi), 404);
  });
});
