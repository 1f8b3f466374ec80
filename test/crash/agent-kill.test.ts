/**
 * kill -9 of a node agent mid-task: the task goes back to active without spending a retry, runs again on the
 * restarted agent and completes. Real processes throughout: server in this process, agents as child processes.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childProcessNodeLauncher } from '@batchite/cli';
import { startServer, type LaunchedNode, type NodeLauncher } from '@batchite/server';
import { sdkClient } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';

/** Wraps the real launcher to see the agents' process ids. */
function recordingLauncher(launched: LaunchedNode[]): NodeLauncher {
  const real = childProcessNodeLauncher({ stdio: 'ignore' });
  return {
    launch(request) {
      const node = real.launch(request);
      launched.push(node);
      return node;
    },
  };
}

describe('kill -9 of an agent while its task runs', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  const launched: LaunchedNode[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-agent-kill-'));
    // Tasks append to a log here; under a root agent each runs as its own user (docs/security.md).
    await chmod(dir, 0o777);
    server = await startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      logLevel: false,
      nodeLauncher: recordingLauncher(launched),
    });
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('requeues the task with retryCount unchanged and completes it on the restarted agent', async () => {
    const client = sdkClient(server);
    await client.pool.add({ id: 'p', vmSize: 'local', targetDedicatedNodes: 1, taskSlotsPerNode: 1 });
    await waitFor(async () => (await client.computeNode.list('p')).some((node) => node.state === 'idle'), {
      timeoutMs: 20_000,
      what: 'the node to join',
    });
    const log = join(dir, 'runs.log');
    await client.job.add({ id: 'j', poolInfo: { poolId: 'p' } });
    // The first run blocks until the agent is gone; later runs finish at once.
    await client.task.add('j', {
      id: 't',
      commandLine: `/bin/sh -c 'echo started >> ${log}; if [ $(grep -c started ${log}) -eq 1 ]; then sleep 30; fi'`,
      constraints: { maxTaskRetryCount: 0 },
    });
    await waitFor(async () => (await readFile(log, 'utf8').catch(() => '')).includes('started'), {
      timeoutMs: 20_000,
      what: 'the first run to start',
    });
    const agent = launched.at(-1);
    assert.ok(agent?.pid, 'the agent runs as its own process');
    process.kill(agent.pid, 'SIGKILL');

    const task = await waitFor(
      async () => {
        const current = await client.task.get('j', 't');
        return current.state === 'completed' ? current : undefined;
      },
      { timeoutMs: 40_000, what: 'the task to complete after the agent was killed' },
    );
    assert.equal(task.executionInfo?.result, 'success');
    assert.equal(task.executionInfo?.retryCount, 0, 'a lost node spends no retry');
    assert.equal(task.executionInfo?.requeueCount, 0, 'nor a user requeue');
    const runs = (await readFile(log, 'utf8')).split('\n').filter((line) => line === 'started').length;
    assert.equal(runs, 2, 'exactly one extra run: the one the dead agent could not finish');
    assert.ok(launched.length >= 2, 'the provider started a new agent');
  });
});
