/**
 * A multi-instance task's resource files with a real Azurite and real agents, through the official SDK, as the
 * Batch docs "Multi-instance tasks" lay them out: `commonResourceFiles` are downloaded on every instance into
 * the task's shared directory (AZ_BATCH_TASK_SHARED_DIR) before the coordination command, the task's own
 * `resourceFiles` only on the primary, into its working directory, before the application command. A common
 * file that cannot be had fails the task with its Batch code, as a task's download does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer } from '../support/server.js';
import { sh } from '../execution/helpers.js';
import { addJob, containerWith, runTask, stdoutOf, withStorageRunner } from './helpers.js';

const INSTANCES = 2;

void describe('multi-instance resource files (Azurite)', () => {
  const runner = withStorageRunner({ nodes: INSTANCES, slots: 1 });

  void it('common files reach every instance’s shared directory before coordination; own files the primary’s wd', async () => {
    const common = await containerWith(runner.azurite, { 'common/setup.txt': 'shared input' });
    const own = await containerWith(runner.azurite, { 'own.txt': 'primary only' });
    const jobId = await addJob(runner);
    // Each coordination run fails unless the common file is there and the task's own file is not.
    const coordination = sh(
      'test "$(cat "$AZ_BATCH_TASK_SHARED_DIR/common/setup.txt")" = "shared input" && test ! -e own.txt',
    );
    const task = await runTask(runner, jobId, {
      id: uniqueId('mi'),
      commandLine: sh('cat "$AZ_BATCH_TASK_SHARED_DIR/common/setup.txt"; echo; cat own.txt'),
      resourceFiles: [{ autoStorageContainerName: own }],
      multiInstanceSettings: {
        numberOfInstances: INSTANCES,
        coordinationCommandLine: coordination,
        commonResourceFiles: [{ storageContainerUrl: runner.azurite.containerSasUrl(common, 'rl') }],
      },
    });
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    assert.equal(await stdoutOf(runner, jobId, task.id ?? ''), 'shared input\nprimary only');
    const subtasks = await runner.client.task.listSubtasks(jobId, task.id ?? '');
    assert.deepEqual(
      subtasks.value?.map((sub) => [sub.state, sub.exitCode]),
      [['completed', 0]],
      JSON.stringify(subtasks.value),
    );
  });

  void it('a common file that cannot be had fails the task with its Batch code, without retries', async () => {
    const jobId = await addJob(runner);
    const task = await runTask(runner, jobId, {
      id: uniqueId('mi'),
      commandLine: sh('echo application ran'),
      constraints: { maxTaskRetryCount: 2 },
      multiInstanceSettings: {
        numberOfInstances: INSTANCES,
        coordinationCommandLine: sh('echo coordination ran'),
        commonResourceFiles: [{ autoStorageContainerName: 'no-such-container' }],
      },
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
      {
        result: 'failure',
        exitCode: undefined,
        retryCount: 0,
        category: 'usererror',
        code: 'ResourceContainerListMiscError',
      },
      JSON.stringify(info),
    );
    assert.equal(await stdoutOf(runner, jobId, task.id ?? ''), '', 'neither command ran on the primary');
  });

  void it('a server without linked storage refuses autoStorageContainerName among common files (409)', async () => {
    const bare = await startTestServer();
    try {
      const client = sdkClient(bare);
      const jobId = await addIdleJob(client);
      await expectBatchError(
        client.task.add(jobId, {
          id: uniqueId('mi'),
          commandLine: sh('true'),
          multiInstanceSettings: {
            numberOfInstances: 2,
            coordinationCommandLine: sh('true'),
            commonResourceFiles: [{ autoStorageContainerName: 'inputs' }],
          },
        }),
        { statusCode: 409, code: 'AccountNotEnabledForAutoStorage' },
      );
    } finally {
      await bare.dispose();
    }
  });
});
