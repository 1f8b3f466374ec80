/**
 * Resource files end to end: tasks added with the official @azure/batch SDK download their inputs from a real
 * Azurite (written with @azure/storage-blob) on real agents before their command starts — a container URL with
 * SAS and a blob prefix, a single file over HTTP, the linked storage account's container — with Batch's layout
 * under `filePath` and `fileMode`. Bad input is refused at add time where Batch refuses it; what only the node can
 * find out (expired or insufficient SAS, a missing container or blob) ends the task with Batch's failureInfo,
 * without retries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchServiceModels } from '@azure/batch';
import { BlobSASPermissions } from '@azure/storage-blob';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { startTestServer } from '../support/server.js';
import { sdkClient } from '../support/sdk.js';
import { addIdleJob } from '../support/fixtures.js';
import { RUN_TIMEOUT_MS, sh } from '../execution/helpers.js';
import { waitForState } from '../support/poll.js';
import { addJob, containerWith, runTask, stdoutOf, withStorageRunner } from './helpers.js';

type ResourceFile = BatchServiceModels.ResourceFile;

function failureOf(task: BatchServiceModels.CloudTask) {
  const info = task.executionInfo;
  return {
    result: info?.result,
    exitCode: info?.exitCode,
    retryCount: info?.retryCount,
    category: info?.failureInfo?.category,
    code: info?.failureInfo?.code,
  };
}

void describe('resource files from Azurite', () => {
  const runner = withStorageRunner({ nodes: 1, slots: 4 });

  void it('downloads a container (blobPrefix, directory layout under filePath), an HTTP file and a linked-storage container before the command runs', async () => {
    const { azurite } = runner;
    const container = await containerWith(azurite, {
      'in/a.txt': 'alpha',
      'in/sub/b.txt': 'beta',
      'other/c.txt': 'not selected',
    });
    const linked = await containerWith(azurite, { 'ref.txt': 'linked' });
    const blobUrl = await azurite.service
      .getContainerClient(container)
      .getBlobClient('other/c.txt')
      .generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3_600_000),
      });
    const jobId = await addJob(runner);
    const resourceFiles: ResourceFile[] = [
      { storageContainerUrl: azurite.containerSasUrl(container, 'rl'), blobPrefix: 'in/', filePath: 'data' },
      { httpUrl: blobUrl, filePath: 'single/c.txt', fileMode: '0640' },
      { autoStorageContainerName: linked },
    ];
    const script =
      'cat data/in/a.txt data/in/sub/b.txt single/c.txt ref.txt; echo; ' +
      'test ! -e data/other && echo no-other; stat -c %a single/c.txt data/in/a.txt';
    const task = await runTask(runner, jobId, { id: uniqueId('t'), commandLine: sh(script), resourceFiles });
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    assert.equal(
      await stdoutOf(runner, jobId, task.id ?? ''),
      'alphabetanot selectedlinked\nno-other\n640\n770\n',
    );
    // The stored task shows what was asked, as Batch returns it.
    assert.deepEqual(task.resourceFiles?.[2], { autoStorageContainerName: linked });
  });

  void it('a job manager task gets its resource files like any task', async () => {
    const { azurite, client } = runner;
    const container = await containerWith(azurite, { 'plan.txt': 'the plan' });
    const jobId = uniqueId('jm');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId: runner.poolId },
      jobManagerTask: {
        id: 'manager',
        commandLine: sh('cat plan.txt'),
        resourceFiles: [{ storageContainerUrl: azurite.containerSasUrl(container, 'rl') }],
      },
    });
    const manager = await waitForState(() => client.task.get(jobId, 'manager'), 'completed', {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(manager.executionInfo?.result, 'success', JSON.stringify(manager.executionInfo));
    assert.equal(await stdoutOf(runner, jobId, 'manager'), 'the plan');
  });

  void it('an expired SAS, a SAS without list permission and a missing container fail the task (UserError), never retried', async () => {
    const { azurite } = runner;
    const container = await containerWith(azurite, { 'x.txt': 'x' });
    const jobId = await addJob(runner);
    const cases: Array<{ file: ResourceFile; code: string }> = [
      {
        file: {
          storageContainerUrl: azurite.containerSasUrl(container, 'rl', new Date(Date.now() - 60_000)),
        },
        code: 'ResourceContainerAccessDenied',
      },
      {
        file: { storageContainerUrl: azurite.containerSasUrl(container, 'r') },
        code: 'ResourceContainerAccessDenied',
      },
      {
        file: { storageContainerUrl: azurite.containerSasUrl('no-such-container', 'rl') },
        code: 'ResourceContainerListMiscError',
      },
      {
        file: {
          httpUrl: `${azurite.containerSasUrl(container, 'r').replace('?', '/missing.txt?')}`,
          filePath: 'm.txt',
        },
        code: 'BlobNotFound',
      },
    ];
    const tasks = await Promise.all(
      cases.map(({ file }) =>
        runTask(runner, jobId, {
          id: uniqueId('bad'),
          commandLine: sh('echo ran'),
          resourceFiles: [file],
          constraints: { maxTaskRetryCount: 3 },
        }),
      ),
    );
    for (const [index, task] of tasks.entries()) {
      assert.deepEqual(
        failureOf(task),
        {
          result: 'failure',
          exitCode: undefined,
          retryCount: 0,
          category: 'usererror',
          code: cases[index]?.code,
        },
        JSON.stringify(task.executionInfo),
      );
      // The SAS is a secret: failure details name the source without its query string.
      const details = JSON.stringify(task.executionInfo?.failureInfo?.details ?? []);
      assert.ok(!details.includes('sig='), details);
      assert.equal(await stdoutOf(runner, jobId, task.id ?? ''), '', 'the command never ran');
    }
  });

  void it('refuses bad resource files at add time with the Batch 400', async () => {
    const { client, azurite } = runner;
    const jobId = await addJob(runner);
    const url = azurite.containerSasUrl('c', 'rl');
    const refused: Array<{ file: ResourceFile; code: string }> = [
      { file: { httpUrl: 'http://127.0.0.1/x', storageContainerUrl: url }, code: 'InvalidPropertyValue' },
      { file: { filePath: 'x' }, code: 'InvalidPropertyValue' },
      { file: { storageContainerUrl: url, filePath: '../up' }, code: 'InvalidPropertyValue' },
      { file: { storageContainerUrl: url, filePath: 'a/../../up' }, code: 'InvalidPropertyValue' },
      { file: { httpUrl: 'http://127.0.0.1/x', filePath: '/etc/passwd' }, code: 'InvalidPropertyValue' },
      { file: { httpUrl: 'http://127.0.0.1/x' }, code: 'MissingRequiredProperty' },
      {
        file: { httpUrl: 'http://127.0.0.1/x', filePath: 'f', fileMode: 'rwx' },
        code: 'InvalidPropertyValue',
      },
    ];
    for (const { file, code } of refused) {
      await expectBatchError(
        client.task.add(jobId, { id: uniqueId('r'), commandLine: sh('true'), resourceFiles: [file] }),
        { statusCode: 400, code },
      );
    }
  });

  void it('a server without linked storage refuses autoStorageContainerName (409 AccountNotEnabledForAutoStorage)', async () => {
    const server = await startTestServer();
    try {
      const client = sdkClient(server);
      const jobId = await addIdleJob(client);
      await expectBatchError(
        client.task.add(jobId, {
          id: uniqueId('t'),
          commandLine: sh('true'),
          resourceFiles: [{ autoStorageContainerName: 'inputs' }],
        }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
    } finally {
      await server.dispose();
    }
  });
});
