/**
 * "Nothing silently ignored", properties: every property of the Batch models that Batchite cannot honour is
 * refused with 400 `UnsupportedProperty` naming it, through the official SDK, and nothing is stored. One row per
 * property family; empty lists ask for nothing and are accepted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import type { RestError } from '@azure/ms-rest-js';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addIdleJob, addPool, poolBody } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

function detailsOf(error: RestError): Record<string, string> {
  const values = (error.body as { values?: { key: string; value: string }[] }).values ?? [];
  return Object.fromEntries(values.map(({ key, value }) => [key, value]));
}

async function expectRefused(call: Promise<unknown>, property: string): Promise<void> {
  const error = await expectBatchError(call, { statusCode: 400, code: 'UnsupportedProperty' });
  const details = detailsOf(error);
  assert.equal(details.PropertyName, property);
  assert.ok((details.Reason ?? '').length > 0, `the refusal of ${property} says why`);
}

const VM = poolBody('x').virtualMachineConfiguration as BatchServiceModels.VirtualMachineConfiguration;
const CONTAINER = { imageName: 'ubuntu:22.04' };

const POOL_ROWS: readonly [string, Partial<BatchServiceModels.PoolAddParameter>][] = [
  [
    'virtualMachineConfiguration.containerConfiguration',
    {
      virtualMachineConfiguration: {
        ...VM,
        containerConfiguration: { containerImageNames: ['ubuntu'] },
      },
    },
  ],
  [
    'virtualMachineConfiguration.extensions',
    { virtualMachineConfiguration: { ...VM, extensions: [{ name: 'e', publisher: 'p', type: 't' }] } },
  ],
  [
    'virtualMachineConfiguration.dataDisks',
    { virtualMachineConfiguration: { ...VM, dataDisks: [{ lun: 0, diskSizeGB: 8 }] } },
  ],
  [
    'virtualMachineConfiguration.osDisk',
    {
      virtualMachineConfiguration: { ...VM, osDisk: { ephemeralOSDiskSettings: { placement: 'CacheDisk' } } },
    },
  ],
  [
    'virtualMachineConfiguration.windowsConfiguration',
    { virtualMachineConfiguration: { ...VM, windowsConfiguration: { enableAutomaticUpdates: false } } },
  ],
  ['networkConfiguration', { networkConfiguration: { subnetId: '/subscriptions/s/subnets/a' } }],
  [
    'mountConfiguration',
    { mountConfiguration: [{ nfsMountConfiguration: { source: 'h:/s', relativeMountPath: 'm' } }] },
  ],
  ['applicationPackageReferences', { applicationPackageReferences: [{ applicationId: 'app' }] }],
  ['applicationLicenses', { applicationLicenses: ['maya'] }],
  ['startTask.containerSettings', { startTask: { commandLine: '/bin/true', containerSettings: CONTAINER } }],
];

const TASK_ROWS: readonly [string, Partial<BatchServiceModels.TaskAddParameter>][] = [
  ['containerSettings', { containerSettings: CONTAINER }],
  [
    'outputFiles[0].destination.container.identityReference',
    {
      outputFiles: [
        {
          filePattern: '*.txt',
          destination: {
            container: {
              containerUrl: 'https://a.blob.core.windows.net/c',
              identityReference: { resourceId: '/subscriptions/s/identity' },
            },
          },
          uploadOptions: { uploadCondition: 'taskcompletion' },
        },
      ],
    },
  ],
  ['applicationPackageReferences', { applicationPackageReferences: [{ applicationId: 'app' }] }],
];

async function taskIsStored(client: BatchServiceClient, jobId: string, id: string): Promise<boolean> {
  return (await client.task.list(jobId)).some((task) => task.id === id);
}

void describe('refused properties', () => {
  const ctx = withServer();

  void it('pool add: each property family Batchite cannot honour → 400 naming it; the pool is not created', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    for (const [property, extra] of POOL_ROWS) {
      const id = uniqueId('refused');
      await expectRefused(client.pool.add(poolBody(id, extra)), property);
      await expectRestStatus(client.pool.get(id), 404);
    }
  });

  void it('pool patch and updateProperties refuse the same updatable properties', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addPool(client);
    await expectRefused(
      client.pool.patch(id, { applicationPackageReferences: [{ applicationId: 'app' }] }),
      'applicationPackageReferences',
    );
    await expectRefused(
      client.pool.updateProperties(id, {
        certificateReferences: [],
        applicationPackageReferences: [{ applicationId: 'app' }],
        metadata: [],
      }),
      'applicationPackageReferences',
    );
    await expectRefused(
      client.pool.patch(id, { startTask: { commandLine: '/bin/true', containerSettings: CONTAINER } }),
      'startTask.containerSettings',
    );
    assert.equal((await client.pool.get(id)).startTask, undefined, 'nothing was changed');
  });

  void it('certificate references (retired in Batch) → 400 CertificateRetired on pool add, patch and updateProperties', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const certificateReferences = [{ thumbprint: 'ab', thumbprintAlgorithm: 'sha1' }];
    const id = uniqueId('refused');
    const error = await expectBatchError(client.pool.add(poolBody(id, { certificateReferences })), {
      statusCode: 400,
      code: 'CertificateRetired',
    });
    assert.match(detailsOf(error).Reason ?? '', /certificate references/);
    await expectRestStatus(client.pool.get(id), 404);
    const existing = await addPool(client);
    await expectBatchError(client.pool.patch(existing, { certificateReferences }), {
      statusCode: 400,
      code: 'CertificateRetired',
    });
    await expectBatchError(
      client.pool.updateProperties(existing, {
        certificateReferences,
        applicationPackageReferences: [],
        metadata: [],
      }),
      { statusCode: 400, code: 'CertificateRetired' },
    );
    assert.deepEqual((await client.pool.get(existing)).certificateReferences ?? [], []);
  });

  void it('task add and add collection: each refused property → 400 naming it; nothing stored', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const jobId = await addIdleJob(client);
    for (const [property, extra] of TASK_ROWS) {
      const id = uniqueId('refused');
      await expectRefused(client.task.add(jobId, { id, commandLine: '/bin/true', ...extra }), property);
      const collection = await client.task.addCollection(jobId, [{ id, commandLine: '/bin/true', ...extra }]);
      const result = collection.value?.[0];
      assert.equal(result?.status, 'clienterror');
      assert.equal(result?.error?.code, 'UnsupportedProperty');
      assert.ok(!(await taskIsStored(client, jobId, id)));
    }
  });

  void it('job add with networkConfiguration → 400 naming it', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = uniqueId('refused');
    await expectRefused(
      client.job.add({ id, poolInfo: { poolId: 'p' }, networkConfiguration: { subnetId: '/s/subnets/a' } }),
      'networkConfiguration',
    );
    await expectRestStatus(client.job.get(id), 404);
  });

  void it('empty lists ask for nothing and are accepted', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addPool(client, {
      applicationPackageReferences: [],
      certificateReferences: [],
      mountConfiguration: [],
      enableAutoScale: false,
    });
    const jobId = await addIdleJob(client);
    await client.task.add(jobId, { id: 't', commandLine: '/bin/true', outputFiles: [] });
    assert.equal((await client.pool.get(id)).id, id);
  });
});
