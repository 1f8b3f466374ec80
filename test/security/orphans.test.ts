/**
 * Issue 12, point 10: no orphan keeps running. An agent is killed -9 while its task runs; the task's process
 * group survives it (it is its own group). The agent started in its place finds the group its predecessor
 * recorded and kills it before it takes work, so the requeued task never runs beside its old copy. Real
 * processes throughout: server in this process, agents as `batchite agent` child processes.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childProcessNodeLauncher } from '@batchite/cli';
import { startServer, type LaunchedNode, type NodeLauncher } from '@batchite/server';
import { sdkClient } from '../support/sdk.js';
import { waitFor } from '../support/wait.js';
import { makeTempDir, running } from './files-support.js';

const TIMEOUT_MS = 60_000;

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

async function pidsIn(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

void describe('no orphan keeps running after an agent is killed -9 (issue 12, point 10)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  const launched: LaunchedNode[] = [];
  const leftovers: number[] = [];

  before(async () => {
    dir = await makeTempDir('batchite-orphans-');
    // Under a root agent each run is its own task user (docs/security.md): both runs write the pid log here.
    await chmod(dir, 0o777);
    server = await startServer({
      port: 0,
      dataDir: join(dir, 'data'),
      logLevel: false,
      leases: { leaseMs: 4_000, heartbeatMs: 500 },
      nodeLauncher: recordingLauncher(launched),
    });
  });

  after(async () => {
    for (const pid of leftovers) if (await running(pid)) process.kill(pid, 'SIGKILL');
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  void it('the restarted agent kills the old process group before it claims; the task runs twice, not side by side', async () => {
    const client = sdkClient(server);
    await client.pool.add({ id: 'p', vmSize: 'local', targetDedicatedNodes: 1, taskSlotsPerNode: 1 });
    await waitFor(async () => (await client.computeNode.list('p')).some((node) => node.state === 'idle'), {
      timeoutMs: TIMEOUT_MS,
      what: 'the node to join',
    });
    const pids = join(dir, 'pids');
    const child = join(dir, 'child-pid');
    await client.job.add({ id: 'j', poolInfo: { poolId: 'p' } });
    // The first run leaves a background child in its group and waits for ever; later runs finish at once.
    await client.task.add('j', {
      id: 't',
      commandLine: `/bin/sh -c 'umask 0; echo $$ >> ${pids}; if [ $(grep -c . ${pids}) -eq 1 ]; then sleep 600 & echo $! > ${child}; wait; fi'`,
    });
    const [first] = await waitFor(async () => ((await pidsIn(pids)).length >= 1 ? pidsIn(pids) : undefined), {
      timeoutMs: TIMEOUT_MS,
      what: 'the first run to start',
    });
    const [sleeper] = await waitFor(
      async () => ((await pidsIn(child)).length === 1 ? pidsIn(child) : undefined),
      {
        timeoutMs: TIMEOUT_MS,
        what: 'the first run to start its child',
      },
    );
    assert.ok(first !== undefined && sleeper !== undefined);
    leftovers.push(first, sleeper);
    const agent = launched.at(-1);
    assert.ok(agent?.pid !== undefined, 'the agent runs as its own process');
    process.kill(agent.pid, 'SIGKILL');
    await agent.exited;
    assert.ok(await running(first), 'precondition: the task outlives its agent');

    // The provider starts a new agent under the same node id; the server requeues the task to it.
    const all = await waitFor(async () => ((await pidsIn(pids)).length >= 2 ? pidsIn(pids) : undefined), {
      timeoutMs: TIMEOUT_MS,
      what: 'the second run to start',
    });
    assert.equal(await running(first), false, 'the old run was killed before the new one started');
    assert.equal(await running(sleeper), false, 'so was its background child (the whole group)');
    const task = await waitFor(
      async () => {
        const current = await client.task.get('j', 't');
        return current.state === 'completed' ? current : undefined;
      },
      { timeoutMs: TIMEOUT_MS, what: 'the task to complete' },
    );
    assert.equal(task.executionInfo?.exitCode, 0);
    assert.equal(all.length, 2, 'two runs: the killed one and the requeued one');
    assert.equal((await pidsIn(pids)).length, 2, 'and no third');
  });
});
