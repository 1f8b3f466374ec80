import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startAgent, type RunningAgent } from '../src/agent.js';
import type { AgentOptions } from '../src/agent-options.js';
import type { AgentLogger } from '../src/logger.js';
import { taskDirectories } from '../src/task-environment.js';
import { FakeNodeServer, JOIN_TOKEN } from './helpers/fake-node-server.js';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that keeps every line and lets a test wait for one. */
class RecordingLogger implements AgentLogger {
  readonly lines: LogLine[] = [];
  readonly #events = new EventEmitter();
  info = (message: string, fields?: Record<string, unknown>): void => this.#add('info', message, fields);
  warn = (message: string, fields?: Record<string, unknown>): void => this.#add('warn', message, fields);
  error = (message: string, fields?: Record<string, unknown>): void => this.#add('error', message, fields);

  #add(level: LogLine['level'], message: string, fields: Record<string, unknown> | undefined): void {
    this.lines.push({ level, message, fields });
    this.#events.emit('line');
  }

  async waitFor(predicate: (line: LogLine) => boolean, from = 0): Promise<void> {
    const timeout = AbortSignal.timeout(10_000);
    while (!this.lines.slice(from).some(predicate)) await once(this.#events, 'line', { signal: timeout });
  }
}

let server: FakeNodeServer;
let root: string;
let agents: RunningAgent[];

beforeEach(async () => {
  server = await FakeNodeServer.start({ heartbeatMs: 100, claimWaitMs: 300, slots: 2 });
  root = await mkdtemp(join(tmpdir(), 'batchite-agent-'));
  agents = [];
});

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await server.stop().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function start(
  extra: Partial<AgentOptions> = {},
): Promise<{ agent: RunningAgent; logger: RecordingLogger }> {
  const logger = new RecordingLogger();
  const agent = await startAgent({
    serverUrl: server.url,
    poolId: 'local',
    joinToken: JOIN_TOKEN,
    rootDir: root,
    logger,
    retry: { baseDelayMs: 10, throttleBaseDelayMs: 10, maxDelayMs: 50 },
    closeTimeoutMs: 2_000,
    // The scripted server has no node user exchange (test/lifecycle/node-users covers it).
    nodeUsers: false,
    ...extra,
  });
  agents.push(agent);
  return { agent, logger };
}

/** A command that waits until `<shared>/<name>` exists, then exits with `code`. */
function waitForFlag(name: string, code = 0): string {
  return `/bin/sh -c 'while [ ! -e "$AZ_BATCH_NODE_SHARED_DIR/${name}" ]; do sleep 0.02; done; exit ${code}'`;
}

async function raiseFlag(name: string): Promise<void> {
  await writeFile(join(root, 'shared', name), '');
}

function accepted(taskId: string) {
  return server.completions.filter((c) => c.taskId === taskId && c.accepted);
}

describe('agent against a scripted node API', () => {
  it('registers with the pool join token and a wrong token is refused', async () => {
    const { agent } = await start({ slots: 3, hostname: 'box-1' });
    assert.equal(agent.nodeId, 'tvm-1');
    assert.deepEqual(server.registrations, [{ hostname: 'box-1', agentVersion: '0.1.0', slots: 3 }]);
    await assert.rejects(start({ joinToken: `${JOIN_TOKEN}x` }), /AuthenticationFailed/);
    await assert.rejects(start({ poolId: 'nope' }), /PoolNotFound/);
  });

  it('runs claimed tasks and reports each completion once with its exit code', async () => {
    const { agent } = await start();
    server.enqueue({ jobId: 'j', taskId: 'ok', commandLine: '/bin/sh -c "echo $AZ_BATCH_NODE_ID"' });
    server.enqueue({ jobId: 'j', taskId: 'three', commandLine: "/bin/sh -c 'exit 3'" });
    server.enqueue({ jobId: 'j', taskId: 'missing', commandLine: 'no-such-program-batchite' });
    server.enqueue({ jobId: 'j', taskId: 'sig', commandLine: `/bin/sh -c 'kill -KILL $$'` });
    await server.waitFor(() => server.completions.length === 4, '4 completions');
    const byTask = new Map(server.completions.map((c) => [c.taskId, c]));
    assert.equal(byTask.get('ok')?.exitCode, 0);
    assert.equal(byTask.get('three')?.exitCode, 3);
    assert.equal(byTask.get('sig')?.exitCode, -9);
    assert.equal(byTask.get('missing')?.exitCode, undefined);
    assert.equal(byTask.get('missing')?.launchError?.code, 'CommandProgramNotFound');
    assert.ok(server.completions.every((c) => c.accepted && c.nodeId === agent.nodeId));
    assert.ok(server.completions.every((c) => c.killedBy === undefined));
    const out = await readFile(taskDirectories(root, 'j', 'ok').stdoutPath, 'utf8');
    assert.equal(out, `${agent.nodeId}\n`);
    await agent.close();
    assert.deepEqual(server.leaves, [agent.nodeId]);
    assert.equal(server.completions.length, 4, 'nothing reported twice');
  });

  it('never claims more than its free slots', async () => {
    await start({ slots: 1 });
    server.enqueue({ jobId: 'j', taskId: 'a', commandLine: waitForFlag('a-go') });
    server.enqueue({ jobId: 'j', taskId: 'b', commandLine: '/bin/true' });
    await server.waitFor(() => server.leases.has('j/a'), 'a claimed');
    assert.equal(server.queued, 1, 'b waits: the only slot is busy');
    await raiseFlag('a-go');
    await server.waitFor(() => accepted('b').length === 1, 'b completed');
    assert.ok(server.claims.every((claim) => claim.freeSlots <= 1));
    const [a, b] = [accepted('a')[0]!, accepted('b')[0]!];
    assert.ok(Date.parse(b.startTime) >= Date.parse(a.endTime));
  });

  it('renews leases by heartbeat and kills a task the server terminates, then reports it', async () => {
    await start();
    server.enqueue({ jobId: 'j', taskId: 'long', commandLine: 'sleep 60' });
    await server.waitFor(
      () => server.heartbeats.some((h) => h.running.some((l) => l.taskId === 'long')),
      'a heartbeat naming the lease',
    );
    server.cancel('j', 'long', 'terminated');
    await server.waitFor(() => server.completions.length === 1, 'the completion');
    const [report] = server.completions;
    assert.equal(report?.killedBy, 'terminate');
    assert.equal(report?.exitCode, -9);
    assert.equal(report?.accepted, true);
  });

  it('kills but does not report a task the server requeued', async () => {
    await start();
    server.enqueue({ jobId: 'j', taskId: 'moved', commandLine: 'sleep 60' });
    await server.waitFor(() => server.heartbeats.some((h) => h.running.length === 1), 'lease in a heartbeat');
    server.cancel('j', 'moved', 'requeued');
    const from = server.heartbeats.length;
    // The agent drops the lease once the process is dead: a later heartbeat names nothing.
    await server.waitFor(
      () => server.heartbeats.slice(from + 1).some((h) => h.running.length === 0),
      'a heartbeat without the lease',
    );
    assert.equal(server.completions.length, 0);
  });

  it('a late cancel about an old lease does not kill the next run of the same task', async () => {
    const { logger } = await start();
    server.enqueue({ jobId: 'j', taskId: 'again', commandLine: waitForFlag('again-1', 3) });
    await logger.waitFor((line) => line.message === 'task claimed' && line.fields?.attempt === 1);
    // A heartbeat naming the first lease is held by the server while the first run ends and a retry starts.
    const release = server.pauseHeartbeats();
    const arrived = server.heartbeatsArrived;
    const held = server.heartbeats.length;
    await server.waitFor(() => server.heartbeatsArrived > arrived, 'a held heartbeat');
    await raiseFlag('again-1');
    await server.waitFor(() => accepted('again').length === 1, 'first run reported');
    server.enqueue({ jobId: 'j', taskId: 'again', commandLine: waitForFlag('again-2', 0) });
    await logger.waitFor((line) => line.message === 'task claimed' && line.fields?.attempt === 2);
    release(); // answered now: the first lease is gone, so the server says leaseLost for 'again'
    await server.waitFor(() => server.heartbeats.length > held, 'the held heartbeat answered');
    await raiseFlag('again-2');
    await server.waitFor(() => accepted('again').length === 2, 'second run reported');
    assert.deepEqual(
      accepted('again').map((c) => [c.exitCode, c.killedBy]),
      [
        [3, undefined],
        [0, undefined],
      ],
    );
  });

  it('enforces the wall-clock limit from the claim', async () => {
    await start();
    server.enqueue({ jobId: 'j', taskId: 'slow', commandLine: 'sleep 60', maxWallClockTimeMs: 200 });
    await server.waitFor(() => server.completions.length === 1, 'the completion');
    assert.equal(server.completions[0]?.killedBy, 'wallClock');
    assert.equal(server.completions[0]?.exitCode, -9);
  });

  it('gets the next task in the completion answer, even when a heartbeat says leaseLost while it travels', async () => {
    await start();
    // Both slots, so no claim long poll is open beside the report.
    server.enqueue({ jobId: 'j', taskId: 'first', commandLine: '/bin/true', requiredSlots: 2 });
    const release = server.holdCompletions();
    await server.waitFor(() => server.completions.length === 1, 'the first run reported');
    server.enqueue({ jobId: 'j', taskId: 'next', commandLine: '/bin/true' });
    // The run is recorded, so the next heartbeat (which still lists it) is told leaseLost for it.
    const seen = server.heartbeats.length;
    await server.waitFor(
      () => server.heartbeats.slice(seen).some((beat) => beat.running.some((r) => r.taskId === 'first')),
      'a heartbeat while the report is held',
    );
    await server.waitFor(() => server.heartbeatsArrived > seen + 1, 'its answer applied');
    release();
    await server.waitFor(() => accepted('next').length === 1, 'the task from the completion answer ran');
    assert.deepEqual(
      server.claims.flatMap((claim) => claim.handedOut),
      ['first'],
      'next came with the completion, not from a claim',
    );
  });

  it('delivers a completion after the server answered 503 and then refused connections for a while', async () => {
    const { logger } = await start();
    server.enqueue({ jobId: 'j', taskId: 'survivor', commandLine: waitForFlag('survivor-go', 7) });
    await server.waitFor(() => server.leases.has('j/survivor'), 'claimed');
    server.forcedStatus = { status: 503, code: 'ServerBusy' };
    await raiseFlag('survivor-go');
    await server.waitFor(
      () => server.requests.filter((r) => r.op === 'complete' && r.status === 503).length >= 2,
      'two refused completions',
    );
    await server.stop();
    const mark = logger.lines.length;
    await logger.waitFor((line) => line.message === 'complete failed, retrying', mark);
    server.forcedStatus = undefined;
    await server.restart();
    await server.waitFor(() => server.completions.length === 1, 'the completion after restart');
    assert.equal(server.completions[0]?.exitCode, 7);
    assert.equal(server.completions[0]?.accepted, true);
  });

  it('registers again under the same id when the server forgot the node', async () => {
    const { agent } = await start();
    server.forgetNode(agent.nodeId);
    await server.waitFor(() => server.registrations.length === 2, 'a second registration');
    assert.equal(server.registrations[1]?.nodeId, 'tvm-1');
    server.enqueue({ jobId: 'j', taskId: 'after', commandLine: '/bin/true' });
    await server.waitFor(() => accepted('after').length === 1, 'work after re-registration');
  });

  it('shuts down when another agent took over its node id (403 with the current token)', async () => {
    const { agent, logger } = await start();
    server.replaceToken(agent.nodeId);
    const exit = await agent.finished;
    assert.equal(exit.reason, 'failed');
    assert.ok(logger.lines.some((line) => line.level === 'error'));
    assert.equal(server.registrations.length, 1, 'it did not steal the id back');
  });

  it('close() still delivers a finished result but never registers again to do so', async () => {
    const { agent } = await start();
    server.enqueue({ jobId: 'j', taskId: 'pending', commandLine: waitForFlag('pending-go', 0) });
    await server.waitFor(() => server.leases.has('j/pending'), 'claimed');
    server.forcedStatus = { status: 503, code: 'ServerBusy' };
    await raiseFlag('pending-go');
    await server.waitFor(
      () => server.requests.some((r) => r.op === 'complete' && r.status === 503),
      'a refused completion',
    );
    const closed = agent.close();
    // A restarted server that no longer knows the node: registering again would take the node id from the
    // agent that replaced this one, and requeue its tasks.
    server.forgetNode(agent.nodeId);
    server.forcedStatus = undefined;
    await closed;
    assert.equal(server.registrations.length, 1, 'no second registration while closing');
    assert.equal(server.completions.length, 0);
    assert.deepEqual(await agent.finished, { reason: 'closed' });
  });

  it('close() kills running tasks, reports none of them and leaves', async () => {
    const { agent } = await start();
    // In the task's own working directory: as root, tasks run as their own users and cannot write elsewhere.
    const pidFile = (id: string) => join(root, 'workitems', 'j', 'job-1', id, 'wd', 'task.pid');
    const command = `/bin/sh -c 'echo $$ > task.pid; exec sleep 60'`;
    server.enqueue({ jobId: 'j', taskId: 'k1', commandLine: command });
    server.enqueue({ jobId: 'j', taskId: 'k2', commandLine: command });
    await server.waitFor(() => server.leases.size === 2, 'both claimed');
    const pids = await Promise.all(['k1', 'k2'].map((id) => waitForPid(pidFile(id))));
    await agent.close();
    for (const pid of pids) assert.equal(await isRunning(pid), false, `process ${pid} is gone`);
    assert.equal(server.completions.length, 0);
    assert.deepEqual(server.leaves, [agent.nodeId]);
    assert.deepEqual(await agent.finished, { reason: 'closed' });
  });

  it('stop() stops claiming, lets running tasks finish and report, then leaves', async () => {
    const { agent, logger } = await start();
    server.enqueue({ jobId: 'j', taskId: 'drain', commandLine: waitForFlag('drain-go', 0) });
    await logger.waitFor((line) => line.message === 'task claimed' && line.fields?.taskId === 'drain');
    const stopped = agent.stop();
    server.enqueue({ jobId: 'j', taskId: 'late', commandLine: '/bin/true' });
    await raiseFlag('drain-go');
    await stopped;
    assert.equal(accepted('drain').length, 1);
    // The late task may have been handed out by the long poll in the instant stop() hung up; either way the
    // agent did not run it, and leaving put it back in the queue.
    assert.equal(server.queued, 1, 'the late task is queued again');
    assert.equal(server.completions.filter((c) => c.taskId === 'late').length, 0);
    assert.deepEqual(server.leaves, [agent.nodeId]);
    assert.deepEqual(await agent.finished, { reason: 'stopped' });
  });
});

async function isRunning(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return status !== '' && !/ Z /.test(status);
}

async function waitForPid(path: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return Number(text.trim());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${path} never appeared`);
}
