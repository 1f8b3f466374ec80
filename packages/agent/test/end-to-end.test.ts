/**
 * The agent against the real Batchite server (node API from packages/server) and the real client: tasks added
 * through the Batch REST API run on this agent and their executionInfo is what the Batch retry rules say.
 *
 * The server and client are loaded by name at run time, not referenced by this project's tsconfig: the agent
 * must not depend on the server, and building the agent must not rebuild it. When their builds are absent
 * (`npx tsc -b packages/agent` alone), the suite is skipped; the root build (`npm test`) always has them.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAgent, type RunningAgent } from '../src/agent.js';
import type { AgentLogger } from '../src/logger.js';

interface RunningServer {
  url: string;
  accountName: string;
  accountKey: string;
  dataDir: string;
  joinToken(poolId: string): string;
  close(): Promise<void>;
}

interface ServerModule {
  startServer(options: Record<string, unknown>): Promise<RunningServer>;
}

interface ExecutionInfo {
  retryCount?: number;
  requeueCount?: number;
  exitCode?: number;
  result?: string;
  failureInfo?: { code?: string };
}

interface Client {
  createJob(job: Record<string, unknown>): Promise<unknown>;
  createTask(jobId: string, task: Record<string, unknown>): Promise<unknown>;
  getTask(jobId: string, taskId: string): Promise<{ state?: string; executionInfo?: ExecutionInfo }>;
  terminateTask(jobId: string, taskId: string): Promise<unknown>;
}

interface ClientModule {
  BatchClient: new (options: Record<string, unknown>) => Client;
}

async function load<T>(name: string): Promise<T | undefined> {
  try {
    return (await import(name)) as T;
  } catch {
    return undefined;
  }
}

const serverModule = await load<ServerModule>('@batchite/server');
const clientModule = await load<ClientModule>('@batchite/client');
const missing = serverModule === undefined || clientModule === undefined;

/** Counts the agent's "task completed" / "task claimed" lines so the test can wait for them. */
class EventLog implements AgentLogger {
  readonly lines: Array<{ message: string; taskId: unknown }> = [];
  readonly #events = new EventEmitter();
  info = (message: string, fields?: Record<string, unknown>): void => this.#add(message, fields);
  warn = (message: string, fields?: Record<string, unknown>): void => this.#add(message, fields);
  error = (message: string, fields?: Record<string, unknown>): void => this.#add(message, fields);

  #add(message: string, fields: Record<string, unknown> | undefined): void {
    this.lines.push({ message, taskId: fields?.taskId });
    this.#events.emit('line');
  }

  count(message: string, taskId: string): number {
    return this.lines.filter((line) => line.message === message && line.taskId === taskId).length;
  }

  async waitFor(message: string, taskId: string, times = 1): Promise<void> {
    const timeout = AbortSignal.timeout(20_000);
    while (this.count(message, taskId) < times) await once(this.#events, 'line', { signal: timeout });
  }
}

describe('agent with the real server', { skip: missing && 'server or client build not found' }, () => {
  let dataDir: string;
  let server: RunningServer;
  let agent: RunningAgent;
  let client: Client;
  const log = new EventLog();

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'batchite-e2e-'));
    server = await serverModule!.startServer({
      port: 0,
      dataDir,
      logLevel: false,
      leases: { leaseMs: 3_000, heartbeatMs: 200, claimWaitMs: 500 },
      localPool: { id: 'local', nodes: 1, slots: 2 },
    });
    const { url, accountName, accountKey } = server;
    agent = await startAgent({
      serverUrl: url,
      poolId: 'local',
      joinToken: server.joinToken('local'),
      rootDir: server.dataDir,
      logger: log,
      retry: { baseDelayMs: 10, maxDelayMs: 100 },
    });
    client = new clientModule!.BatchClient({ endpoint: url, accountName, accountKey });
    await client.createJob({ id: 'e2e', poolInfo: { poolId: 'local' } });
  });

  after(async () => {
    await agent?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs tasks with the Batch environment and records their results', async () => {
    await client.createTask('e2e', { id: 'ok', commandLine: '/bin/sh -c "echo hello $AZ_BATCH_TASK_ID"' });
    await client.createTask('e2e', { id: 'nf', commandLine: 'no-such-program-batchite' });
    await log.waitFor('task completed', 'ok');
    await log.waitFor('task completed', 'nf');
    const ok = await client.getTask('e2e', 'ok');
    assert.equal(ok.state, 'completed');
    assert.equal(ok.executionInfo?.exitCode, 0);
    assert.equal(ok.executionInfo?.result, 'success');
    const stdout = await readFile(
      join(server.dataDir, 'workitems', 'e2e', 'job-1', 'ok', 'stdout.txt'),
      'utf8',
    );
    assert.equal(stdout, 'hello ok\n');
    const nf = (await client.getTask('e2e', 'nf')).executionInfo;
    assert.equal(nf?.failureInfo?.code, 'CommandProgramNotFound');
    assert.equal(nf?.exitCode, undefined);
  });

  it('retries a failing task on the node as the Batch rules say', async () => {
    await client.createTask('e2e', {
      id: 'fails',
      commandLine: "/bin/sh -c 'exit 3'",
      constraints: { maxTaskRetryCount: 2 },
    });
    await log.waitFor('task completed', 'fails', 3);
    const info = (await client.getTask('e2e', 'fails')).executionInfo;
    assert.equal(info?.exitCode, 3);
    assert.equal(info?.retryCount, 2);
    assert.equal(info?.failureInfo?.code, 'FailureExitCode');
  });

  it('kills a task terminated through the API', async () => {
    await client.createTask('e2e', { id: 'endless', commandLine: 'sleep 60' });
    await log.waitFor('task claimed', 'endless');
    await client.terminateTask('e2e', 'endless');
    // The server ends the task itself on terminate; the agent kills the process, and its report is refused.
    await log.waitFor('task exited', 'endless');
    const task = await client.getTask('e2e', 'endless');
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo?.failureInfo?.code, 'TaskEnded');
  });
});
