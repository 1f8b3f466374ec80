/**
 * Output files end to end: tasks added with the official @azure/batch SDK on real agents upload what their
 * command wrote to a real Azurite after the process exits and before the task completes; the blobs are read back
 * with @azure/storage-blob. Each pattern kind (a single file with `path` as blob name, wildcards with `path` as
 * virtual directory, `../std*.txt`, a directory's tree, the dot-file rule), each upload condition, upload headers,
 * the run-time failures (missing container, read-only or expired SAS) with Batch's failureInfo, and the add-time
 * refusals.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchServiceModels } from '@azure/batch';
import { expectBatchError } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { readAll, RUN_TIMEOUT_MS, sh } from '../execution/helpers.js';
import { waitForState } from '../support/poll.js';
import type { Azurite } from '../support/azurite.js';
import { addJob, runTask, withStorageRunner, type StorageRunner } from './helpers.js';

type OutputFile = BatchServiceModels.OutputFile;
type Condition = BatchServiceModels.OutputFileUploadCondition;

/** An empty container; returns its name. */
async function emptyContainer(azurite: Azurite): Promise<string> {
  const name = uniqueId('out')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 60);
  await azurite.service.getContainerClient(name).create();
  return name;
}

/** Blob name → text of every blob in the container. */
async function blobsOf(azurite: Azurite, container: string): Promise<Record<string, string>> {
  const client = azurite.service.getContainerClient(container);
  const out: Record<string, string> = {};
  for await (const blob of client.listBlobsFlat()) {
    out[blob.name] = (await client.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
  }
  return out;
}

function output(
  filePattern: string,
  containerUrl: string,
  path?: string,
  uploadCondition: Condition = 'tasksuccess',
): OutputFile {
  return {
    filePattern,
    destination: { container: { containerUrl, ...(path === undefined ? {} : { path }) } },
    uploadOptions: { uploadCondition },
  };
}

async function taskFile(runner: StorageRunner, jobId: string, taskId: string, name: string): Promise<string> {
  const file = await runner.client.file.getFromTask(jobId, taskId, name);
  return (await readAll(file.readableStreamBody)).toString('utf8');
}

const WRITE_OUTPUTS =
  'mkdir -p out/sub out/.hidden && echo one > result.txt && echo a > out/a.txt && echo b > out/sub/b.txt && ' +
  'echo c > out/sub/c.log && echo h > out/.h.txt && echo hh > out/.hidden/x.txt && echo printed';

void describe('output files to Azurite', () => {
  const runner = withStorageRunner({ nodes: 1, slots: 4 });

  void it('uploads a single file to its path, wildcard matches under a virtual directory, stdout via ../, and a directory tree', async () => {
    const { azurite } = runner;
    const container = await emptyContainer(azurite);
    const url = azurite.containerSasUrl(container, 'rwl');
    const jobId = await addJob(runner);
    const taskId = uniqueId('t');
    const task = await runTask(runner, jobId, {
      id: taskId,
      commandLine: sh(WRITE_OUTPUTS),
      outputFiles: [
        output('result.txt', url, 'named/result-copy.txt'),
        output('result.txt', url),
        output('out/**/*.txt', url, 'glob/'),
        output('out/s?b/[a-c].*', url, 'set'),
        output('../std*.txt', url, taskId),
        output('out/sub', url, 'tree'),
        output('nothing-*.bin', url, 'none'),
      ],
    });
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    assert.equal(task.executionInfo?.exitCode, 0);
    assert.deepEqual(await blobsOf(azurite, container), {
      'named/result-copy.txt': 'one\n',
      'result.txt': 'one\n',
      'glob/a.txt': 'a\n',
      'glob/sub/b.txt': 'b\n',
      'set/sub/b.txt': 'b\n',
      'set/sub/c.log': 'c\n',
      [`${taskId}/stdout.txt`]: 'printed\n',
      [`${taskId}/stderr.txt`]: '',
      'tree/b.txt': 'b\n',
      'tree/c.log': 'c\n',
    });
    // The node's upload logs are task files, as on Batch.
    assert.match(await taskFile(runner, jobId, taskId, 'fileuploadout.txt'), /uploaded/);
    assert.equal(await taskFile(runner, jobId, taskId, 'fileuploaderr.txt'), '');
  });

  void it('dot files only match a pattern that names the dot', async () => {
    const { azurite } = runner;
    const container = await emptyContainer(azurite);
    const url = azurite.containerSasUrl(container, 'rwl');
    const jobId = await addJob(runner);
    const task = await runTask(runner, jobId, {
      id: uniqueId('t'),
      commandLine: sh(WRITE_OUTPUTS),
      outputFiles: [output('out/*.txt', url, 'star'), output('out/.*.txt', url, 'dot')],
    });
    assert.equal(task.executionInfo?.result, 'success');
    assert.deepEqual(await blobsOf(azurite, container), { 'star/a.txt': 'a\n', 'dot/.h.txt': 'h\n' });
  });

  void it('each upload condition: taskSuccess, taskFailure, taskCompletion after exit 0 and exit 3', async () => {
    const { azurite } = runner;
    const jobId = await addJob(runner);
    for (const exitCode of [0, 3]) {
      const container = await emptyContainer(azurite);
      const url = azurite.containerSasUrl(container, 'rwl');
      const task = await runTask(runner, jobId, {
        id: uniqueId(`exit${exitCode}`),
        commandLine: sh(`echo x > f.txt; exit ${exitCode}`),
        outputFiles: [
          output('f.txt', url, 'success.txt', 'tasksuccess'),
          output('f.txt', url, 'failure.txt', 'taskfailure'),
          output('f.txt', url, 'completion.txt', 'taskcompletion'),
        ],
      });
      assert.equal(task.executionInfo?.exitCode, exitCode);
      assert.equal(task.executionInfo?.result, exitCode === 0 ? 'success' : 'failure');
      assert.equal(task.executionInfo?.failureInfo?.code, exitCode === 0 ? undefined : 'FailureExitCode');
      const expected = exitCode === 0 ? ['completion.txt', 'success.txt'] : ['completion.txt', 'failure.txt'];
      assert.deepEqual(Object.keys(await blobsOf(azurite, container)).sort(), expected);
    }
  });

  void it('applies upload headers as blob properties and metadata', async () => {
    const { azurite } = runner;
    const container = await emptyContainer(azurite);
    const url = azurite.containerSasUrl(container, 'rwl');
    const jobId = await addJob(runner);
    const file = output('page.html', url);
    file.destination.container!.uploadHeaders = [
      { name: 'Content-Type', value: 'text/html; charset=utf-8' },
      { name: 'Cache-Control', value: 'max-age=60' },
      { name: 'x-ms-blob-content-language', value: 'en' },
      { name: 'x-ms-meta-origin', value: 'batchite' },
    ];
    const task = await runTask(runner, jobId, {
      id: uniqueId('t'),
      commandLine: sh('echo "<p>hi</p>" > page.html'),
      outputFiles: [file],
    });
    assert.equal(task.executionInfo?.result, 'success');
    const props = await azurite.service
      .getContainerClient(container)
      .getBlobClient('page.html')
      .getProperties();
    assert.deepEqual(
      {
        contentType: props.contentType,
        cacheControl: props.cacheControl,
        contentLanguage: props.contentLanguage,
        metadata: props.metadata,
      },
      {
        contentType: 'text/html; charset=utf-8',
        cacheControl: 'max-age=60',
        contentLanguage: 'en',
        metadata: { origin: 'batchite' },
      },
    );
  });

  void it('a missing container, a read-only SAS and an expired SAS fail the task with the upload error, exit code kept, no retry', async () => {
    const { azurite } = runner;
    const container = await emptyContainer(azurite);
    const cases: { url: string; code: string }[] = [
      { url: azurite.containerSasUrl(`${container}-missing`, 'rwl'), code: 'FileUploadContainerNotFound' },
      { url: azurite.containerSasUrl(container, 'rl'), code: 'FileUploadContainerAccessDenied' },
      {
        url: azurite.containerSasUrl(container, 'rwl', new Date(Date.now() - 3_600_000)),
        code: 'FileUploadContainerAccessDenied',
      },
    ];
    const jobId = await addJob(runner);
    for (const { url, code } of cases) {
      const taskId = uniqueId('t');
      const task = await runTask(runner, jobId, {
        id: taskId,
        commandLine: sh('echo x > f.txt'),
        constraints: { maxTaskRetryCount: 2 },
        outputFiles: [output('f.txt', url)],
      });
      const info = task.executionInfo;
      assert.deepEqual(
        {
          result: info?.result,
          exitCode: info?.exitCode,
          retryCount: info?.retryCount,
          category: info?.failureInfo?.category,
          code: info?.failureInfo?.code,
        },
        { result: 'failure', exitCode: 0, retryCount: 0, category: 'usererror', code },
      );
      const details = JSON.stringify(info?.failureInfo?.details);
      assert.ok(!details.includes('sig='), `the SAS must not leak into failureInfo: ${details}`);
      assert.match(await taskFile(runner, jobId, taskId, 'fileuploaderr.txt'), new RegExp(code));
    }
    assert.deepEqual(await blobsOf(azurite, container), {});
  });

  void it('a job manager task uploads its output files', async () => {
    const { azurite, client } = runner;
    const container = await emptyContainer(azurite);
    const url = azurite.containerSasUrl(container, 'rwl');
    const jobId = uniqueId('jm');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId: runner.poolId },
      jobManagerTask: {
        id: 'manager',
        commandLine: sh('echo managed > report.txt'),
        outputFiles: [output('report.txt', url, 'reports/manager.txt')],
      },
    });
    const task = await waitForState(() => client.task.get(jobId, 'manager'), 'completed', {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    assert.equal(task.executionInfo?.result, 'success');
    assert.deepEqual(await blobsOf(azurite, container), { 'reports/manager.txt': 'managed\n' });
  });

  void it('refuses at add time: escaping or absolute patterns (400 InvalidPropertyValue), identityReference and unknown upload headers (400 UnsupportedProperty)', async () => {
    const { azurite, client } = runner;
    const url = azurite.containerSasUrl('any', 'rwl');
    const jobId = await addJob(runner);
    const add = (outputFiles: OutputFile[]) =>
      client.task.add(jobId, { id: uniqueId('r'), commandLine: sh('true'), outputFiles });
    for (const pattern of ['/etc/passwd', '../../x', '../../../**/*', 'out/*/../../..', '**/../x']) {
      await expectBatchError(add([output(pattern, url)]), { statusCode: 400, code: 'InvalidPropertyValue' });
    }
    await expectBatchError(add([output('f.txt', 'not a url')]), {
      statusCode: 400,
      code: 'InvalidPropertyValue',
    });
    const withIdentity = output('f.txt', url);
    withIdentity.destination.container!.identityReference = { resourceId: '/subscriptions/x' };
    await expectBatchError(add([withIdentity]), { statusCode: 400, code: 'UnsupportedProperty' });
    const withHeader = output('f.txt', url);
    withHeader.destination.container!.uploadHeaders = [{ name: 'x-ms-blob-type', value: 'AppendBlob' }];
    await expectBatchError(add([withHeader]), { statusCode: 400, code: 'UnsupportedProperty' });
  });
});
