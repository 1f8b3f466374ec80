/**
 * The parts of reference §6 scenarios 4 and 11 that need tasks to actually run: file delete → 200 and the
 * `executionInfo/exitCode` filter. Nodes come the Batch way: a pool with `targetDedicatedNodes: 1`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { expectRestStatus } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const RUN_TIMEOUT_MS = 30_000;

void describe('tasks that run on a node', () => {
  const ctx = withServer();
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
