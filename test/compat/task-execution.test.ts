/**
 * The parts of the Azure Batch REST reference scenarios 4 and 11 that need tasks to actually run: file delete → 200 and the
 * `executionInfo/exitCode` filter. Nodes come the Batch way: a pool with `targetDedicatedNodes: 1`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { expectBatchError, expectRestStatus } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const RUN_TIMEOUT_MS = 30_000;

void describe('tasks that run on a node', () => {
  const ctx = withServer({ nodes: true });
  let client: BatchServiceClient;
  let jobId: string;

  before(async () => {
    client = sdkClient(ctx.server);
    const poolId = await addPool(client, { targetDedicatedNodes: 1 });
    await waitFor(
      async () =>
        (await client.computeNode.list(poolId)).some(
          (node) => node.state === 'idle' || node.state === 'running',
        ),
      { timeoutMs: RUN_TIMEOUT_MS, what: `a node in pool ${poolId} (targetDedicatedNodes: 1)` },
    );
    jobId = uniqueId('run');
    await client.job.add({ id: jobId, poolInfo: { poolId } });
    await client.task.addCollection(jobId, [
      { id: 'ok', commandLine: '/bin/sh -c "echo hello; echo data > out.txt"' },
      { id: 'bad', commandLine: '/bin/sh -c "exit 3"' },
    ]);
    for (const id of ['ok', 'bad']) {
      await waitForState(() => client.task.get(jobId, id), 'completed', { timeoutMs: RUN_TIMEOUT_MS });
    }
  });

  void it('executionInfo/exitCode filters return only matching tasks', async () => {
    const nonZero = await client.task.list(jobId, {
      taskListOptions: { filter: 'executionInfo/exitCode ne 0' },
    });
    assert.deepEqual(
      nonZero.map((t) => t.id),
      ['bad'],
    );
    const zero = await client.task.list(jobId, {
      taskListOptions: { filter: "executionInfo/exitCode eq 0 and state eq 'completed'" },
    });
    assert.deepEqual(
      zero.map((t) => t.id),
      ['ok'],
    );
  });

  void it("executionInfo/result filter and the completed tasks' execution details", async () => {
    const failed = await client.task.list(jobId, {
      taskListOptions: { filter: "executionInfo/result eq 'failure'" },
    });
    assert.deepEqual(
      failed.map((t) => t.id),
      ['bad'],
    );
    const bad = await client.task.get(jobId, 'bad');
    assert.deepEqual(
      {
        exitCode: bad.executionInfo?.exitCode,
        result: bad.executionInfo?.result,
        category: bad.executionInfo?.failureInfo?.category,
        code: bad.executionInfo?.failureInfo?.code,
      },
      { exitCode: 3, result: 'failure', category: 'usererror', code: 'FailureExitCode' },
    );
  });

  void it('reactivate a succeeded task → 409 TaskSucceeded', async () => {
    const ok = await client.task.get(jobId, 'ok');
    assert.equal(ok.executionInfo?.result, 'success');
    await expectBatchError(client.task.reactivate(jobId, 'ok'), { statusCode: 409, code: 'TaskSucceeded' });
    const after = await client.task.get(jobId, 'ok');
    assert.deepEqual({ state: after.state, eTag: after.eTag }, { state: 'completed', eTag: ok.eTag });
  });

  void it('file delete → 200, then the file is gone', async () => {
    const files = await client.file.listFromTask(jobId, 'ok', { recursive: true });
    const names = files.map((f) => f.name);
    assert.ok(names.includes('stdout.txt'), `stdout.txt listed: ${names.join(', ')}`);
    assert.ok(names.includes('wd/out.txt'), `wd/out.txt listed: ${names.join(', ')}`);
    const deleted = await client.file.deleteFromTask(jobId, 'ok', 'wd/out.txt');
    assert.equal(deleted._response.status, 200);
    await expectRestStatus(client.file.getPropertiesFromTask(jobId, 'ok', 'wd/out.txt'), 404);
  });
});
