/**
 * Multi-instance tasks on remote agents, through the official SDK: `batchite serve --no-local-nodes` and three
 * `batchite agent` processes that join its pool with a join token and their own roots and file servers, as
 * docs/deploy.md sets up workers. Where network namespaces are allowed (root) each agent is a host of its own
 * with its own address, so AZ_BATCH_HOST_LIST names three different machines; elsewhere the agents share
 * 127.0.0.1. Every output is read back through the task and node files APIs, which the server forwards to the
 * agents' file servers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { DEFAULT_BIN_PATH } from '@batchite/cli';
import { readAll, sh } from '../execution/helpers.js';
import { createNetwork, netnsAvailable, removeNetwork, type TestNetwork } from '../scale/netns.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { freePort, killHard } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const AGENTS = 3;
const POOL = 'mi-remote';
/** Upper bound for process starts and runs on a loaded machine (a safety net, not a pace). */
const TIMEOUT_MS = 60_000;
const ACCOUNT = { accountName: 'miremote', accountKey: randomBytes(64).toString('base64') };
const SERVER_ENV = {
  ...process.env,
  BATCHITE_ACCOUNT_NAME: ACCOUNT.accountName,
  BATCHITE_ACCOUNT_KEY: ACCOUNT.accountKey,
};
/** Agents never hold the account key (docs/deploy.md): only their pool's join token. */
const AGENT_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('BATCHITE_')),
);
const useNetns = process.getuid?.() === 0 && netnsAvailable() === undefined;

/** `batchite …`, in a network namespace when given; resolves once `marker` is printed. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv, netns?: string): ChildProcess {
  const argv = [DEFAULT_BIN_PATH, ...args];
  return netns === undefined
    ? spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('ip', ['netns', 'exec', netns, process.execPath, ...argv], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
}

function printed(child: ChildProcess, marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(marker)) resolve(output);
    });
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${output}`)));
  });
}

/** `batchite pool join-token POOL` (Shared Key) into a 0600 file, as docs/deploy.md tells operators. */
async function joinTokenFile(endpoint: string, path: string): Promise<void> {
  const cli = spawnCli(['pool', 'join-token', POOL, '--endpoint', endpoint], SERVER_ENV);
  let output = '';
  cli.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(cli, 'exit')) as [number | null];
  assert.equal(code, 0, 'batchite pool join-token succeeds');
  await writeFile(path, output, { mode: 0o600 });
}

/** `KEY=value` lines of a stream, as an object. */
async function variables(stream: NodeJS.ReadableStream | undefined): Promise<Record<string, string>> {
  const lines = (await readAll(stream)).toString().split('\n');
  return Object.fromEntries(
    lines.filter((line) => line.includes('=')).map((line) => line.split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;
}

/** Prints the multi-instance variables; writes `<node id>` into the shared directory's `marker-<instance>`. */
const SHOW = (step: string) =>
  sh(
    `echo "step=${step}"; echo "node=$AZ_BATCH_NODE_ID"; echo "hosts=$AZ_BATCH_HOST_LIST"; ` +
      `echo "master=$AZ_BATCH_MASTER_NODE"; echo "isMaster=$AZ_BATCH_IS_CURRENT_NODE_MASTER"; ` +
      `echo "shared=$AZ_BATCH_TASK_SHARED_DIR"; echo "taskdir=$AZ_BATCH_TASK_DIR"; ` +
      (step === 'coordination'
        ? `echo "$AZ_BATCH_NODE_ID" > "$AZ_BATCH_TASK_SHARED_DIR/marker"`
        : `echo "marker=$(cat "$AZ_BATCH_TASK_SHARED_DIR/marker")"`),
  );

void describe('multi-instance tasks on remote agents', () => {
  let dir: string;
  let network: TestNetwork | undefined;
  let server: ChildProcess | undefined;
  const agents: ChildProcess[] = [];
  let client: BatchServiceClient;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-mi-remote-'));
    // The agents' roots live here: task users (the agents run as root) must be able to reach their directories.
    await chmod(dir, 0o711);
    if (useNetns) network = createNetwork(`mi${process.pid % 10000}`, AGENTS, 150 + (process.pid % 50));
    const host = network?.gateway ?? '127.0.0.1';
    const port = await freePort();
    const endpoint = `http://${host}:${port}`;
    server = spawnCli(
      ['serve', '--host', host, '--port', String(port), '--data', join(dir, 'server')].concat([
        '--no-local-nodes',
        '--log-level',
        'silent',
      ]),
      SERVER_ENV,
    );
    await printed(server, 'endpoint:');
    client = sdkClient({ url: endpoint, ...ACCOUNT });
    await client.pool.add({ id: POOL, vmSize: 'remote', enableInterNodeCommunication: true });
    const tokenFile = join(dir, 'join-token');
    await joinTokenFile(endpoint, tokenFile);
    for (let index = 0; index < AGENTS; index++) {
      const netHost = network?.hosts[index];
      const args = ['agent', '--server', endpoint, '--pool', POOL, '--join-token-file', tokenFile];
      args.push('--root', join(dir, `agent${index}`), '--node-id', `remote-${index}`);
      args.push('--files-listen', netHost === undefined ? '127.0.0.1:0' : `${netHost.address}:7070`);
      agents.push(spawnCli(args, AGENT_ENV, netHost?.name));
    }
    let seen: unknown[] = [];
    await waitFor(
      async () => {
        const nodes = await client.computeNode.list(POOL);
        seen = nodes.map((node) => node.state);
        return nodes.length === AGENTS && nodes.every((node) => node.state === 'idle');
      },
      { timeoutMs: TIMEOUT_MS, what: `${AGENTS} remote agents idle`, lastSeen: () => seen },
    );
  });

  after(async () => {
    const children = server === undefined ? agents : [...agents, server];
    await Promise.all(children.map((child) => killHard(child)));
    if (network !== undefined) removeNetwork(network);
    await rm(dir, { recursive: true, force: true });
  });

  void it('coordination on every agent, application on the primary, env, subtasksinfo, files read back', async () => {
    await client.job.add({ id: 'mpi', poolInfo: { poolId: POOL } });
    await client.task.add('mpi', {
      id: 'gang',
      commandLine: SHOW('application'),
      multiInstanceSettings: { numberOfInstances: AGENTS, coordinationCommandLine: SHOW('coordination') },
    });
    const task = await waitForState(() => client.task.get('mpi', 'gang'), 'completed', {
      timeoutMs: TIMEOUT_MS,
      what: 'the multi-instance task to complete',
    });
    assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
    const primary = task.nodeInfo?.nodeId ?? '';
    const nodes = new Map(
      (await client.computeNode.list(POOL)).map((node) => [node.id ?? '', node.ipAddress ?? '']),
    );

    // The primary's stdout is its application run's, read through the task files API (forwarded to the agent).
    const app = await variables(
      (await client.file.getFromTask('mpi', 'gang', 'stdout.txt')).readableStreamBody,
    );
    assert.equal(app.step, 'application');
    assert.equal(app.node, primary);
    assert.equal(app.isMaster, 'true');
    assert.equal(app.shared, app.taskdir, 'AZ_BATCH_TASK_SHARED_DIR is the task directory');
    assert.equal(app.marker, primary, 'the application sees what its own coordination run left there');

    const subtasks = (await client.task.listSubtasks('mpi', 'gang')).value ?? [];
    assert.deepEqual(
      subtasks.map((sub) => sub.id),
      [1, 2],
    );
    const subNodes = subtasks.map((sub) => sub.nodeInfo?.nodeId ?? '');
    assert.deepEqual([primary, ...subNodes].sort(), [...nodes.keys()].sort(), 'one instance per agent');
    const hosts = [primary, ...subNodes].map((nodeId) => nodes.get(nodeId) ?? '');
    assert.equal(app.hosts, hosts.join(','), 'AZ_BATCH_HOST_LIST: the nodes’ addresses, primary first');
    assert.equal(app.master, `${hosts[0]}:6000`);
    if (useNetns) assert.equal(new Set(hosts).size, AGENTS, `distinct host addresses: ${hosts.join()}`);

    for (const sub of subtasks) {
      assert.equal(sub.state, 'completed');
      assert.equal(sub.exitCode, 0);
      assert.equal(sub.result, 'success');
      const nodeId = sub.nodeInfo?.nodeId ?? '';
      assert.equal(sub.nodeInfo?.taskRootDirectory, 'workitems/mpi/job-1/gang');
      // The subtask's coordination output lives only on its agent: the node files API reads it there.
      const file = (name: string) =>
        client.file.getFromComputeNode(POOL, nodeId, `workitems/mpi/job-1/gang/${name}`);
      const coordination = await variables((await file('stdout.txt')).readableStreamBody);
      assert.equal(coordination.step, 'coordination');
      assert.equal(coordination.node, nodeId);
      assert.equal(coordination.isMaster, 'false');
      assert.equal(coordination.hosts, app.hosts, 'every instance sees the same host list');
      assert.equal(coordination.master, app.master);
      assert.equal((await readAll((await file('marker')).readableStreamBody)).toString().trim(), nodeId);
    }
    await waitFor(async () => (await client.computeNode.list(POOL)).every((node) => node.state === 'idle'), {
      timeoutMs: TIMEOUT_MS,
      what: 'the agents idle again',
    });
  });

  void it('a coordination command failing on one remote agent fails the task with its exit code', async () => {
    await client.job.add({ id: 'mpi-fail', poolInfo: { poolId: POOL } });
    await client.task.add('mpi-fail', {
      id: 'gang',
      commandLine: SHOW('application'),
      multiInstanceSettings: {
        numberOfInstances: 2,
        coordinationCommandLine: sh('test "$AZ_BATCH_IS_CURRENT_NODE_MASTER" = true || exit 7'),
      },
    });
    const task = await waitForState(() => client.task.get('mpi-fail', 'gang'), 'completed', {
      timeoutMs: TIMEOUT_MS,
      what: 'the failing multi-instance task to complete',
    });
    assert.equal(task.executionInfo?.result, 'failure');
    assert.equal(task.executionInfo?.exitCode, 7);
    assert.equal(task.executionInfo?.failureInfo?.code, 'FailureExitCode');
    const [sub] = (await client.task.listSubtasks('mpi-fail', 'gang')).value ?? [];
    assert.equal(sub?.exitCode, 7);
    assert.equal(sub?.failureInfo?.code, 'FailureExitCode');
    const stdout = await readAll(
      (await client.file.getFromTask('mpi-fail', 'gang', 'stdout.txt')).readableStreamBody,
    );
    assert.doesNotMatch(stdout.toString(), /step=application/, 'the application never ran');
  });
});
