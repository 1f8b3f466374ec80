/**
 * Resource files of the runs around tasks, end to end with a real Azurite and real local nodes, through the
 * official @azure/batch SDK: a pool's start task downloads into `startup/wd/` before its command, a job's
 * preparation and release tasks into their own `wd/` (a task reads the preparation's through
 * AZ_BATCH_JOB_PREP_WORKING_DIR). A download that fails ends the run as Batch reports it: the start task's
 * `startTaskInfo.failureInfo` with the node `starttaskfailed`, the preparation's execution info with its tasks
 * held back — with no retry. A server without linked storage refuses `autoStorageContainerName` at add time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { BlobSASPermissions } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob, addPool, poolBody } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { waitForState } from '../support/poll.js';
import { readAll, RUN_TIMEOUT_MS, sh } from '../execution/helpers.js';
import { containerWith } from './helpers.js';

type Node = BatchServiceModels.ComputeNode;

void describe('resource files of start, job preparation and job release tasks (Azurite)', () => {
  let azurite: Azurite;
  let server: TestServer;
  let client: BatchServiceClient;

  before(async () => {
    azurite = await startAzurite();
    server = await startTestServer({ nodes: true, storage: azurite.connectionString });
    client = sdkClient(server);
  });

  after(async () => {
    await server.dispose();
    await azurite.stop();
  });

  async function onlyNode(poolId: string, done: (node: Node) => boolean, what: string): Promise<Node> {
    let last: Node[] = [];
    return waitFor(
      async () => {
        last = await client.computeNode.list(poolId);
        const [node] = last;
        return last.length === 1 && node !== undefined && done(node) ? node : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what, lastSeen: () => JSON.stringify(last) },
    );
  }

  async function nodeFile(poolId: string, nodeId: string, path: string): Promise<string> {
    const file = await client.file.getFromComputeNode(poolId, nodeId, path);
    return (await readAll(file.readableStreamBody)).toString('utf8');
  }

  async function blobSasUrl(container: string, blob: string): Promise<string> {
    return azurite.service
      .getContainerClient(container)
      .getBlobClient(blob)
      .generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 3_600_000),
      });
  }

  void it('a start task downloads its resource files into startup/wd before its command runs', async () => {
    const linked = await containerWith(azurite, { 'tools/setup.sh': 'echo set up' });
    const other = await containerWith(azurite, { 'conf.txt': 'configured' });
    const poolId = await addPool(client, {
      targetDedicatedNodes: 1,
      startTask: {
        commandLine: sh('sh tools/setup.sh; cat etc/conf.txt; echo; pwd; stat -c %a etc/conf.txt'),
        resourceFiles: [
          { autoStorageContainerName: linked },
          { httpUrl: await blobSasUrl(other, 'conf.txt'), filePath: 'etc/conf.txt', fileMode: '0600' },
        ],
        waitForSuccess: true,
      },
    });
    const node = await onlyNode(poolId, (n) => n.state === 'idle', 'an idle node after its start task');
    assert.equal(node.startTaskInfo?.result, 'success', JSON.stringify(node.startTaskInfo));
    const stdout = await nodeFile(poolId, node.id ?? '', 'startup/stdout.txt');
    const [setUp, conf, cwd, mode] = stdout.split('\n');
    assert.deepEqual([setUp, conf, mode], ['set up', 'configured', '600']);
    assert.match(cwd ?? '', /\/startup\/wd$/);
  });

  void it('a start task whose download fails: startTaskInfo.failureInfo, node starttaskfailed, no retry', async () => {
    const poolId = await addPool(client, {
      targetDedicatedNodes: 1,
      startTask: {
        commandLine: sh('echo ran'),
        resourceFiles: [{ autoStorageContainerName: 'no-such-container' }],
        maxTaskRetryCount: 2,
        waitForSuccess: true,
      },
    });
    const node = await onlyNode(
      poolId,
      (n) => n.state === 'starttaskfailed',
      'a node whose start task failed',
    );
    const info = node.startTaskInfo;
    assert.deepEqual(
      {
        state: info?.state,
        result: info?.result,
        exitCode: info?.exitCode,
        retryCount: info?.retryCount,
        category: info?.failureInfo?.category,
        code: info?.failureInfo?.code,
      },
      {
        state: 'completed',
        result: 'failure',
        exitCode: undefined,
        retryCount: 0,
        category: 'usererror',
        code: 'ResourceContainerListMiscError',
      },
      JSON.stringify(info),
    );
    // The SAS the server made for the node never shows in the failure details.
    assert.ok(!JSON.stringify(info?.failureInfo?.details ?? []).includes('sig='));
    assert.equal(await nodeFile(poolId, node.id ?? '', 'startup/stdout.txt'), '', 'the command never ran');
  });

  void it('job preparation and release tasks download into their own wd; tasks read the preparation’s', async () => {
    const prepFiles = await containerWith(azurite, { 'shared/model.txt': 'the model', 'skip.txt': 'no' });
    const releaseFiles = await containerWith(azurite, { 'cleanup.txt': 'clean up' });
    const poolId = await addPool(client, { targetDedicatedNodes: 1 });
    const node = await onlyNode(poolId, (n) => n.state === 'idle', 'an idle node');
    const jobId = uniqueId('job');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId },
      jobPreparationTask: {
        commandLine: sh('cat shared/model.txt; test ! -e skip.txt && echo only-prefix'),
        resourceFiles: [{ autoStorageContainerName: prepFiles, blobPrefix: 'shared/' }],
      },
      jobReleaseTask: {
        commandLine: sh('cat cleanup.txt; pwd'),
        resourceFiles: [{ storageContainerUrl: azurite.containerSasUrl(releaseFiles, 'rl') }],
      },
    });
    await client.task.add(jobId, {
      id: 'reader',
      commandLine: sh('cat "$AZ_BATCH_JOB_PREP_WORKING_DIR/shared/model.txt"'),
    });
    const task = await waitForState(() => client.task.get(jobId, 'reader'), 'completed', {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    const stderr = await client.file.getFromTask(jobId, 'reader', 'stderr.txt');
    const why = (await readAll(stderr.readableStreamBody)).toString('utf8');
    assert.equal(task.executionInfo?.result, 'success', why);
    const reader = await client.file.getFromTask(jobId, 'reader', 'stdout.txt');
    assert.equal((await readAll(reader.readableStreamBody)).toString('utf8'), 'the model');
    // Ending the job runs its release on the node.
    await client.job.terminate(jobId);
    await waitForState(() => client.job.get(jobId), 'completed', { timeoutMs: RUN_TIMEOUT_MS });
    const [status] = await client.job.listPreparationAndReleaseTaskStatus(jobId);
    assert.equal(status?.jobPreparationTaskExecutionInfo?.result, 'success', JSON.stringify(status));
    assert.equal(status?.jobReleaseTaskExecutionInfo?.result, 'success', JSON.stringify(status));
    const nodeId = node.id ?? '';
    const base = `workitems/${jobId}/job-1`;
    assert.equal(
      await nodeFile(poolId, nodeId, `${base}/jobpreparation/stdout.txt`),
      'the modelonly-prefix\n',
    );
    const release = await nodeFile(poolId, nodeId, `${base}/jobrelease/stdout.txt`);
    assert.match(release, /^clean up.*\/jobrelease\/wd\n$/s);
  });

  void it('a preparation whose download is refused fails with its Batch code; the job’s tasks do not run', async () => {
    const inputs = await containerWith(azurite, { 'a.txt': 'a' });
    const poolId = await addPool(client, { targetDedicatedNodes: 1 });
    const node = await onlyNode(poolId, (n) => n.state === 'idle', 'an idle node');
    const jobId = uniqueId('job');
    await client.job.add({
      id: jobId,
      poolInfo: { poolId },
      jobPreparationTask: {
        commandLine: sh('echo ran'),
        // Read without list: the container cannot be listed.
        resourceFiles: [{ storageContainerUrl: azurite.containerSasUrl(inputs, 'r') }],
        constraints: { maxTaskRetryCount: 2 },
      },
    });
    await client.task.add(jobId, { id: 'blocked', commandLine: sh('echo task ran') });
    let last: unknown;
    const status = await waitFor(
      async () => {
        const [entry] = await client.job.listPreparationAndReleaseTaskStatus(jobId);
        last = entry;
        return entry?.jobPreparationTaskExecutionInfo?.state === 'completed' ? entry : undefined;
      },
      {
        timeoutMs: RUN_TIMEOUT_MS,
        what: 'the preparation to complete',
        lastSeen: () => JSON.stringify(last),
      },
    );
    const info = status.jobPreparationTaskExecutionInfo;
    assert.deepEqual(
      {
        result: info?.result,
        exitCode: info?.exitCode,
        retryCount: info?.retryCount,
        category: info?.failureInfo?.category,
        code: info?.failureInfo?.code,
      },
      {
        result: 'failure',
        exitCode: undefined,
        retryCount: 0,
        category: 'usererror',
        code: 'ResourceContainerAccessDenied',
      },
      JSON.stringify(info),
    );
    const prepOut = await nodeFile(
      poolId,
      node.id ?? '',
      `workitems/${jobId}/job-1/jobpreparation/stdout.txt`,
    );
    assert.equal(prepOut, '', 'the preparation command never ran');
    // Held back on the node whose preparation failed: back to active, never run.
    await waitForState(() => client.task.get(jobId, 'blocked'), 'active', { timeoutMs: RUN_TIMEOUT_MS });
    const blocked = await client.file.getFromTask(jobId, 'blocked', 'stdout.txt').catch(() => undefined);
    const text = blocked === undefined ? '' : (await readAll(blocked.readableStreamBody)).toString('utf8');
    assert.equal(text, '', 'the task never ran');
  });

  void it('refuses bad resource files of start and preparation tasks at add time, as for tasks', async () => {
    const url = azurite.containerSasUrl('c', 'rl');
    const both = { httpUrl: 'http://127.0.0.1/x', storageContainerUrl: url };
    await expectBatchError(
      client.pool.add(
        poolBody(uniqueId('pool'), { startTask: { commandLine: sh('true'), resourceFiles: [both] } }),
      ),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    await expectBatchError(
      client.pool.add(
        poolBody(uniqueId('pool'), {
          startTask: {
            commandLine: sh('true'),
            resourceFiles: [{ storageContainerUrl: url, filePath: '../up' }],
          },
        }),
      ),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    await expectBatchError(
      addIdleJob(client, {
        jobPreparationTask: { commandLine: sh('true'), resourceFiles: [{ httpUrl: 'http://127.0.0.1/x' }] },
      }),
      { statusCode: 400, code: 'MissingRequiredProperty' },
    );
  });

  void it('a server without linked storage refuses autoStorageContainerName on start, preparation and release tasks and job schedules (409)', async () => {
    const bare = await startTestServer();
    try {
      const bareClient = sdkClient(bare);
      const named = [{ autoStorageContainerName: 'inputs' }];
      const poolId = uniqueId('pool');
      await expectBatchError(
        bareClient.pool.add(
          poolBody(poolId, { startTask: { commandLine: sh('true'), resourceFiles: named } }),
        ),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
      await expectBatchError(bareClient.pool.get(poolId), { statusCode: 404, code: 'PoolNotFound' });
      const existing = await addPool(bareClient);
      await expectBatchError(
        bareClient.pool.updateProperties(existing, {
          startTask: { commandLine: sh('true'), resourceFiles: named },
          certificateReferences: [],
          applicationPackageReferences: [],
          metadata: [],
        }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
      await expectBatchError(
        addIdleJob(bareClient, { jobPreparationTask: { commandLine: sh('true'), resourceFiles: named } }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
      await expectBatchError(
        addIdleJob(bareClient, {
          jobPreparationTask: { commandLine: sh('true') },
          jobReleaseTask: { commandLine: sh('true'), resourceFiles: named },
        }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
      // A job schedule is refused when it is added, not at each run.
      const scheduleId = uniqueId('schedule');
      await expectBatchError(
        bareClient.jobSchedule.add({
          id: scheduleId,
          schedule: { recurrenceInterval: 'PT1H' },
          jobSpecification: {
            poolInfo: { poolId: 'none' },
            jobPreparationTask: { commandLine: sh('true'), resourceFiles: named },
          },
        }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
      await expectBatchError(bareClient.jobSchedule.get(scheduleId), {
        statusCode: 404,
        code: 'JobScheduleNotFound',
      });
    } finally {
      await bare.dispose();
    }
  });
});
