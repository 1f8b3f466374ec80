/**
 * Task execution semantics through the real server and the node API, with a scripted node that reports exactly
 * the outcome each run should have (the agent's own process handling is tested in packages/agent).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

let server: TestServer;
let poolCount = 0;

async function freshPool(slots = 4): Promise<{ poolId: string; node: ScriptedNode }> {
  const poolId = `pool${++poolCount}`;
  assert.equal(
    (await batch(server, 'POST', '/pools', { id: poolId, vmSize: 'local', taskSlotsPerNode: slots })).status,
    201,
  );
  return { poolId, node: await ScriptedNode.join(server, poolId) };
}

async function addJob(job: Record<string, unknown>): Promise<void> {
  const reply = await batch(server, 'POST', '/jobs', job);
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
}

async function addTask(jobId: string, task: Record<string, unknown>): Promise<void> {
  const reply = await batch(server, 'POST', `/jobs/${jobId}/tasks`, task);
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
}

async function getTask(jobId: string, taskId: string): Promise<any> {
  return (await batch(server, 'GET', `/jobs/${jobId}/tasks/${taskId}`)).body;
}

async function getJob(jobId: string): Promise<any> {
  return (await batch(server, 'GET', `/jobs/${jobId}`)).body;
}

before(async () => {
  server = await testServer();
});

after(async () => {
  await server.dispose();
});

describe('retry semantics', () => {
  it('retries a non-zero exit maxTaskRetryCount times, then fails with FailureExitCode', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'retry', poolInfo: { poolId } });
    await addTask('retry', { id: 't', commandLine: 'false', constraints: { maxTaskRetryCount: 2 } });
    for (let run = 1; run <= 3; run++) {
      const [claimed] = await node.claim();
      assert.ok(claimed, `run ${run} was claimed`);
      assert.equal(claimed.attempt, run);
      const running = await getTask('retry', 't');
      assert.equal(running.state, 'running');
      assert.equal(running.executionInfo.retryCount, run - 1);
      if (run > 1) assert.ok(running.executionInfo.lastRetryTime, 'lastRetryTime is set once a retry runs');
      assert.equal(await node.complete(claimed, { exitCode: 1 }), true);
    }
    assert.deepEqual(await node.claim(), [], 'no fourth run');
    const task = await getTask('retry', 't');
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo.retryCount, 2);
    assert.equal(task.executionInfo.exitCode, 1);
    assert.equal(task.executionInfo.result, 'failure');
    assert.equal(task.executionInfo.failureInfo.category, 'usererror');
    assert.equal(task.executionInfo.failureInfo.code, 'FailureExitCode');
    const counts = (await batch(server, 'GET', '/jobs/retry/taskcounts')).body;
    assert.deepEqual(counts.taskCounts, { active: 0, running: 0, completed: 1, succeeded: 0, failed: 1 });
  });

  it('inherits maxTaskRetryCount from the job and retries without limit for -1', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'unlimited', poolInfo: { poolId }, constraints: { maxTaskRetryCount: -1 } });
    await addTask('unlimited', { id: 't', commandLine: 'flaky' });
    assert.equal((await getTask('unlimited', 't')).constraints.maxTaskRetryCount, -1);
    for (let run = 1; run <= 6; run++) {
      const [claimed] = await node.claim();
      assert.ok(claimed);
      await node.complete(claimed, { exitCode: run < 6 ? 7 : 0 });
    }
    const task = await getTask('unlimited', 't');
    assert.equal(task.executionInfo.result, 'success');
    assert.equal(task.executionInfo.retryCount, 5);
    assert.equal(task.executionInfo.failureInfo, undefined);
  });

  it('does not retry a launch failure', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'launch', poolInfo: { poolId } });
    await addTask('launch', {
      id: 't',
      commandLine: 'no-such-program',
      constraints: { maxTaskRetryCount: 3 },
    });
    const [claimed] = await node.claim();
    await node.complete(claimed!, { launchError: { code: 'CommandProgramNotFound', message: 'not found' } });
    const task = await getTask('launch', 't');
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo.retryCount, 0);
    assert.equal(task.executionInfo.exitCode, undefined);
    assert.equal(task.executionInfo.failureInfo.code, 'CommandProgramNotFound');
    assert.deepEqual(await node.claim(), []);
  });

  it('reactivate resets retries of a failed task and refuses succeeded ones', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'react', poolInfo: { poolId } });
    await addTask('react', { id: 'bad', commandLine: 'x' });
    await addTask('react', { id: 'good', commandLine: 'y' });
    const claimed = await node.claim(2);
    for (const task of claimed) await node.complete(task, { exitCode: task.taskId === 'bad' ? 2 : 0 });
    assert.equal(
      (await batch(server, 'POST', '/jobs/react/tasks/good/reactivate')).body.code,
      'TaskSucceeded',
    );
    assert.equal((await batch(server, 'POST', '/jobs/react/tasks/bad/reactivate')).status, 204);
    const task = await getTask('react', 'bad');
    assert.equal(task.state, 'active');
    assert.equal(task.executionInfo.retryCount, 0);
    assert.equal(task.executionInfo.exitCode, undefined);
  });
});

describe('requeues and terminations', () => {
  it('job disable with requeue puts running tasks back with requeueCount 1 and tells the node', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'disable', poolInfo: { poolId } });
    await addTask('disable', { id: 't', commandLine: 'sleep' });
    const claimed = await node.claim();
    assert.equal(
      (await batch(server, 'POST', '/jobs/disable/disable', { disableTasks: 'requeue' })).status,
      202,
    );
    assert.equal((await getJob('disable')).state, 'disabled');
    const task = await getTask('disable', 't');
    assert.equal(task.state, 'active');
    assert.equal(task.executionInfo.requeueCount, 1);
    assert.ok(task.executionInfo.lastRequeueTime);
    assert.equal(task.executionInfo.retryCount, 0);
    assert.deepEqual((await node.heartbeat(claimed)).cancel, [
      { jobId: 'disable', taskId: 't', leaseToken: claimed[0]!.leaseToken, reason: 'requeued' },
    ]);
    assert.equal(
      await node.complete(claimed[0]!, { exitCode: 0 }),
      false,
      'a report under the old lease is refused',
    );
    assert.deepEqual(await node.claim(), [], 'a disabled job runs nothing');
    assert.equal((await batch(server, 'POST', '/jobs/disable/enable')).status, 202);
    assert.equal((await node.claim()).length, 1);
  });

  it('task terminate completes a running task with TaskEnded; the node is told to kill it', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'term', poolInfo: { poolId } });
    await addTask('term', { id: 't', commandLine: 'sleep' });
    const claimed = await node.claim();
    assert.equal((await batch(server, 'POST', '/jobs/term/tasks/t/terminate')).status, 204);
    const task = await getTask('term', 't');
    assert.equal(task.state, 'completed');
    assert.equal(task.executionInfo.failureInfo.code, 'TaskEnded');
    assert.equal((await node.heartbeat(claimed)).cancel[0]?.reason, 'terminated');
    assert.equal((await batch(server, 'POST', '/jobs/term/tasks/t/terminate')).body.code, 'TaskCompleted');
  });

  it('job terminate ends running tasks, leaves active ones active and completes the job', async () => {
    const { poolId, node } = await freshPool(1);
    await addJob({ id: 'jterm', poolInfo: { poolId } });
    await addTask('jterm', { id: 'a', commandLine: 'sleep' });
    await addTask('jterm', { id: 'b', commandLine: 'sleep' });
    await node.claim(1);
    assert.equal(
      (await batch(server, 'POST', '/jobs/jterm/terminate', { terminateReason: 'Enough' })).status,
      202,
    );
    const job = await getJob('jterm');
    assert.equal(job.state, 'completed');
    assert.equal(job.executionInfo.terminateReason, 'Enough');
    assert.equal((await getTask('jterm', 'a')).executionInfo.failureInfo.code, 'TaskEnded');
    assert.equal((await getTask('jterm', 'b')).state, 'active');
    assert.deepEqual(await node.claim(), []);
  });
});

describe('scheduling', () => {
  it('runs a dependant only after its parent succeeds; a failed parent blocks unless it satisfies', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'deps', poolInfo: { poolId }, usesTaskDependencies: true });
    await addTask('deps', { id: '1', commandLine: 'a' });
    await addTask('deps', { id: '2', commandLine: 'b', dependsOn: { taskIds: ['1'] } });
    await addTask('deps', {
      id: '3',
      commandLine: 'c',
      exitConditions: { default: { dependencyAction: 'satisfy' } },
    });
    await addTask('deps', { id: '4', commandLine: 'd', dependsOn: { taskIdRanges: [{ start: 3, end: 3 }] } });
    await addTask('deps', { id: '5', commandLine: 'e' });
    await addTask('deps', { id: '6', commandLine: 'f', dependsOn: { taskIds: ['5'] } });
    const first = await node.claim(10);
    assert.deepEqual(first.map((task) => task.taskId).sort(), ['1', '3', '5']);
    for (const task of first) await node.complete(task, { exitCode: task.taskId === '1' ? 0 : 1 });
    const second = await node.claim(10);
    assert.deepEqual(
      second.map((task) => task.taskId).sort(),
      ['2', '4'],
      'task 6 stays blocked by failed 5',
    );
    assert.equal((await getTask('deps', '6')).state, 'active');
  });

  it('honours maxParallelTasks, priority and requiredSlots', async () => {
    const { poolId, node } = await freshPool(4);
    await addJob({ id: 'low', poolInfo: { poolId }, priority: 1 });
    await addJob({ id: 'high', poolInfo: { poolId }, priority: 100, maxParallelTasks: 2 });
    for (const id of ['a', 'b', 'c']) await addTask('high', { id, commandLine: 'x' });
    await addTask('low', { id: 'big', commandLine: 'x', requiredSlots: 3 });
    await addTask('low', { id: 'small', commandLine: 'x' });
    const claimed = await node.claim(4);
    assert.deepEqual(
      claimed.map((task) => `${task.jobId}/${task.taskId}`),
      ['high/a', 'high/b', 'low/small'],
    );
    assert.deepEqual(await node.claim(4), [], 'the node has one slot left and big needs three');
  });
});

describe('job reactions', () => {
  it('exit conditions with onTaskFailure performexitoptionsjobaction terminate the job with TaskFailed', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'exitjob', poolInfo: { poolId }, onTaskFailure: 'performexitoptionsjobaction' });
    await addTask('exitjob', {
      id: 't',
      commandLine: 'x',
      exitConditions: { exitCodes: [{ code: 3, exitOptions: { jobAction: 'terminate' } }] },
    });
    const [claimed] = await node.claim();
    await node.complete(claimed!, { exitCode: 3 });
    const job = await getJob('exitjob');
    assert.equal(job.state, 'completed');
    assert.equal(job.executionInfo.terminateReason, 'TaskFailed');
  });

  it('onAllTasksComplete terminatejob completes the job with AllTasksComplete', async () => {
    const { poolId, node } = await freshPool();
    await addJob({ id: 'alldone', poolInfo: { poolId } });
    await addTask('alldone', { id: 't', commandLine: 'x' });
    assert.equal(
      (await batch(server, 'PATCH', '/jobs/alldone', { onAllTasksComplete: 'terminatejob' })).status,
      200,
    );
    assert.equal((await getJob('alldone')).state, 'active');
    const [claimed] = await node.claim();
    await node.complete(claimed!, { exitCode: 0 });
    const job = await getJob('alldone');
    assert.equal(job.state, 'completed');
    assert.equal(job.executionInfo.terminateReason, 'AllTasksComplete');
    assert.equal(
      (await batch(server, 'PATCH', '/jobs/alldone', { onAllTasksComplete: 'noaction' })).status,
      409,
    );
  });
});

describe('lost nodes and job wall clock (fake clock)', () => {
  it('requeues the tasks of a node that stops heartbeating without spending a retry', async () => {
    const clock = new FakeClock(Date.now());
    const local = await testServer({ clock, leases: { leaseMs: 10_000, heartbeatMs: 5_000 } });
    try {
      await batch(local, 'POST', '/pools', { id: 'p', vmSize: 'local' });
      await batch(local, 'POST', '/jobs', { id: 'j', poolInfo: { poolId: 'p' } });
      await batch(local, 'POST', '/jobs/j/tasks', {
        id: 't',
        commandLine: 'x',
        constraints: { maxTaskRetryCount: 0 },
      });
      const lost = await ScriptedNode.join(local, 'p');
      const [claimed] = await lost.claim();
      await clock.advance(12_000);
      const task = await waitFor(async () => {
        const current = (await batch(local, 'GET', '/jobs/j/tasks/t')).body;
        return current.state === 'active' ? current : undefined;
      });
      assert.equal(task.executionInfo.retryCount, 0);
      assert.equal(task.executionInfo.requeueCount, 0);
      assert.equal((await batch(local, 'GET', `/pools/p/nodes/${lost.nodeId}`)).body.state, 'offline');
      assert.equal(await lost.complete(claimed!, { exitCode: 0 }), false, 'the lost node no longer holds it');
      const other = await ScriptedNode.join(local, 'p');
      const [again] = await other.claim();
      assert.equal(again?.attempt, 2);
      await other.complete(again, { exitCode: 0 });
      assert.equal((await batch(local, 'GET', '/jobs/j/tasks/t')).body.executionInfo.result, 'success');
    } finally {
      await local.dispose();
    }
  });

  it('waits before a retry when the job asks for the Batchite retry backoff (extension)', async () => {
    const clock = new FakeClock(Date.now());
    const local = await testServer({ clock });
    try {
      const backoff = { initial: 'PT10S', multiplier: 3, max: 'PT1M', jitter: 'none' };
      await batch(local, 'POST', '/pools', { id: 'p', vmSize: 'local' });
      await batch(local, 'POST', '/jobs', {
        id: 'j',
        poolInfo: { poolId: 'p' },
        metadata: [{ name: 'batchite.taskRetryBackoff', value: JSON.stringify(backoff) }],
      });
      await batch(local, 'POST', '/jobs/j/tasks', {
        id: 't',
        commandLine: 'x',
        constraints: { maxTaskRetryCount: 2 },
      });
      const node = await ScriptedNode.join(local, 'p');
      for (const waitMs of [10_000, 30_000]) {
        const [claimed] = await node.claim();
        await node.complete(claimed!, { exitCode: 1 });
        assert.deepEqual(await node.claim(), [], 'not before the backoff has passed');
        await clock.advance(waitMs - 1);
        assert.deepEqual(await node.claim(), []);
        await clock.advance(1);
      }
      assert.equal((await node.claim()).length, 1, 'the third run starts after 10 s + 30 s of backoff');
    } finally {
      await local.dispose();
    }
  });

  it('terminates a job past its maxWallClockTime with MaxWallClockTimeExpiry', async () => {
    const clock = new FakeClock(Date.now());
    const local = await testServer({ clock });
    try {
      await batch(local, 'POST', '/jobs', {
        id: 'j',
        poolInfo: { poolId: 'p' },
        constraints: { maxWallClockTime: 'PT1M' },
      });
      await clock.advance(61_000);
      const job = await waitFor(async () => {
        const current = (await batch(local, 'GET', '/jobs/j')).body;
        return current.state === 'completed' ? current : undefined;
      });
      assert.equal(job.executionInfo.terminateReason, 'MaxWallClockTimeExpiry');
    } finally {
      await local.dispose();
    }
  });
});

/** Polls `probe` until it returns a value (bounded; the server works in the background after a clock advance). */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
