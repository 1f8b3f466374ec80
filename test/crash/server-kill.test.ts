/**
 * kill -9 of the server while 1,000 tasks run (`batchite serve` as a real process with its local agents):
 * after a restart on the same data directory every accepted task completes, none is lost, and no task runs
 * more often than the interruption explains (only the runs in flight at the kill may run twice).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WELL_KNOWN_ACCOUNT } from '@batchite/server';
import { sdkClient } from '../support/sdk.js';
import { freePort, killHard, startServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const TASKS = Number(process.env.BATCHITE_CRASH_TASKS ?? 1000);
const NODES = 2;
const SLOTS = 4;

function serve(dataDir: string, port: number): Promise<ChildProcess> {
  return startServeProcess({ port, dataDir, nodes: NODES, slots: SLOTS });
}

describe('kill -9 of the server while tasks run', () => {
  let dir: string;
  let server: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-server-kill-'));
    // Tasks append to a log here; under a root agent each runs as its own user (docs/security.md).
    await chmod(dir, 0o777);
  });

  after(async () => {
    if (server !== undefined) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server?.once('exit', resolve));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it(`completes every one of ${TASKS} accepted tasks after a restart`, { timeout: 600_000 }, async () => {
    const port = await freePort();
    const dataDir = join(dir, 'data');
    const log = join(dir, 'runs.log');
    // Every task appends to it, each as its own user under a root agent.
    await writeFile(log, '');
    await chmod(log, 0o666);
    const endpoint = {
      url: `http://127.0.0.1:${port}`,
      accountName: WELL_KNOWN_ACCOUNT.name,
      accountKey: WELL_KNOWN_ACCOUNT.key,
    };
    server = await serve(dataDir, port);
    const client = sdkClient(endpoint);
    await client.job.add({ id: 'crash', poolInfo: { poolId: 'local' } });
    for (let start = 0; start < TASKS; start += 100) {
      const chunk = Array.from({ length: Math.min(100, TASKS - start) }, (_, index) => ({
        id: `t${start + index}`,
        commandLine: `/bin/sh -c 'echo $AZ_BATCH_TASK_ID >> ${log}'`,
      }));
      const result = await client.task.addCollection('crash', chunk);
      assert.ok(
        result.value?.every((item) => item.status === 'success'),
        'every task accepted',
      );
    }
    const completedBefore = await waitFor(
      async () => {
        const { taskCounts } = await client.job.getTaskCounts('crash');
        return taskCounts.completed >= TASKS / 4 ? taskCounts.completed : undefined;
      },
      { timeoutMs: 300_000, what: 'a quarter of the tasks to complete' },
    );
    await killHard(server);
    server = await serve(dataDir, port);

    await waitFor(async () => (await client.job.getTaskCounts('crash')).taskCounts.completed === TASKS, {
      timeoutMs: 500_000,
      intervalMs: 200,
      what: 'every task to complete after the restart',
    });
    const counts = await client.job.getTaskCounts('crash');
    assert.deepEqual(counts.taskCounts, {
      active: 0,
      running: 0,
      completed: TASKS,
      succeeded: TASKS,
      failed: 0,
    });
    const runs = new Map<string, number>();
    for (const line of (await readFile(log, 'utf8')).split('\n'))
      if (line !== '') runs.set(line, (runs.get(line) ?? 0) + 1);
    assert.equal(runs.size, TASKS, 'every task ran');
    const extraRuns = [...runs.values()].reduce((sum, count) => sum + count - 1, 0);
    // Only runs in flight when the server died can run again: at most one per slot.
    assert.ok(
      extraRuns <= NODES * SLOTS,
      `${extraRuns} extra runs, at most ${NODES * SLOTS} explained by the kill`,
    );
    let page = await client.task.list('crash', { taskListOptions: { select: 'id,executionInfo' } });
    for (;;) {
      for (const task of page)
        assert.equal(task.executionInfo?.retryCount, 0, `task ${task.id} spent no retry`);
      if (page.odatanextLink === undefined) break;
      page = await client.task.listNext(page.odatanextLink);
    }
    assert.ok(completedBefore < TASKS, 'the kill happened while tasks were still running');
  });
});
