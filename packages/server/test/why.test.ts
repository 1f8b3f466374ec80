/** "Why isn't my task running?" — each waiting situation set up for real, then explained by the server. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

let server: TestServer;
const clock = new FakeClock(Date.now());

before(async () => {
  server = await testServer({ clock, leases: { leaseMs: 10_000, heartbeatMs: 5_000 } });
});
after(async () => {
  await server.dispose();
});

async function post(path: string, body: unknown): Promise<void> {
  const reply = await batch(server, 'POST', path, body);
  assert.ok(reply.status < 300, `${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

async function why(jobId: string, taskId: string): Promise<any> {
  const reply = await batch(server, 'GET', `/.batchite/jobs/${jobId}/tasks/${taskId}/why`, undefined, {
    apiVersion: false,
  });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

async function expectCode(jobId: string, taskId: string, code: string, outlook?: string): Promise<any> {
  const answer = await why(jobId, taskId);
  assert.equal(answer.waitInfo?.code, code, `${jobId}/${taskId}: ${JSON.stringify(answer.waitInfo)}`);
  if (outlook !== undefined) assert.equal(answer.waitInfo.outlook, outlook);
  assert.ok(answer.waitInfo.message.length > 10);
  return answer;
}

describe('why', () => {
  it('names a missing pool, an empty pool and nodes not yet started', async () => {
    await post('/jobs', { id: 'nopool', poolInfo: { poolId: 'ghost' } });
    await post('/jobs/nopool/tasks', { id: 't', commandLine: 'x' });
    await expectCode('nopool', 't', 'PoolNotFound', 'needs-action');

    await post('/pools', { id: 'empty', vmSize: 'local' });
    await post('/jobs', { id: 'emptyjob', poolInfo: { poolId: 'empty' } });
    await post('/jobs/emptyjob/tasks', { id: 't', commandLine: 'x' });
    const empty = await expectCode('emptyjob', 't', 'PoolHasNoNodes', 'needs-action');
    assert.match(empty.waitInfo.action, /batchite agent --pool empty/);

    await post('/pools', { id: 'starting', vmSize: 'local', targetDedicatedNodes: 2 });
    await post('/jobs', { id: 'startjob', poolInfo: { poolId: 'starting' } });
    await post('/jobs/startjob/tasks', { id: 't', commandLine: 'x' });
    await expectCode('startjob', 't', 'NodesStarting', 'will-resolve');
  });

  it('names a disabled job, a terminated job, and impossible slot requirements', async () => {
    await post('/pools', { id: 'p1', vmSize: 'local', taskSlotsPerNode: 2 });
    await ScriptedNode.join(server, 'p1');
    await post('/jobs', { id: 'held', poolInfo: { poolId: 'p1' } });
    await post('/jobs/held/tasks', { id: 't', commandLine: 'x' });
    await post('/jobs/held/disable', { disableTasks: 'requeue' });
    const held = await expectCode('held', 't', 'JobDisabled', 'needs-action');
    assert.equal(held.waitInfo.action, 'batchite job enable held');

    await post('/jobs', { id: 'ended', poolInfo: { poolId: 'p1' } });
    await post('/jobs/ended/tasks', { id: 't', commandLine: 'x' });
    await post('/jobs/ended/terminate', { terminateReason: 'Done' });
    await expectCode('ended', 't', 'JobTerminated', 'never');

    await post('/jobs', { id: 'huge', poolInfo: { poolId: 'p1' } });
    await post('/jobs/huge/tasks', { id: 't', commandLine: 'x', requiredSlots: 3 });
    await expectCode('huge', 't', 'SlotsExceedNodeSize', 'never');
    await post('/jobs/huge/terminate', {});
  });

  it('names dependencies: waiting, and blocked for good by a failed parent', async () => {
    await post('/pools', { id: 'dp', vmSize: 'local' });
    const node = await ScriptedNode.join(server, 'dp');
    await post('/jobs', { id: 'deps', poolInfo: { poolId: 'dp' }, usesTaskDependencies: true });
    await post('/jobs/deps/tasks', { id: 'parent', commandLine: 'x' });
    await post('/jobs/deps/tasks', {
      id: 'child',
      commandLine: 'x',
      dependsOn: { taskIds: ['parent', 'later'] },
    });
    const waiting = await expectCode('deps', 'child', 'WaitingOnDependencies', 'will-resolve');
    assert.deepEqual(waiting.waitInfo.details.missing, ['later']);
    const [claimed] = await node.claim();
    assert.equal(claimed?.taskId, 'parent');
    await node.complete(claimed, { exitCode: 1 });
    await expectCode('deps', 'child', 'DependencyFailed', 'never');
  });

  it('names the job limit, higher priorities and busy nodes', async () => {
    await post('/pools', { id: 'cap', vmSize: 'local', taskSlotsPerNode: 1 });
    const node = await ScriptedNode.join(server, 'cap');
    await post('/jobs', { id: 'limited', poolInfo: { poolId: 'cap' }, maxParallelTasks: 1 });
    await post('/jobs/limited/tasks', { id: 'a', commandLine: 'x' });
    await post('/jobs/limited/tasks', { id: 'b', commandLine: 'x' });
    await node.claim();
    const limited = await why('limited', 'b');
    assert.equal(limited.waitInfo.code, 'JobMaxParallelTasks');
    assert.ok(
      limited.waitInfo.blockers.some((reason: { code: string }) => reason.code === 'NodesBusy'),
      'all reasons are listed',
    );

    await post('/pools', { id: 'prio', vmSize: 'local', taskSlotsPerNode: 4 });
    await ScriptedNode.join(server, 'prio');
    await post('/jobs', { id: 'urgent', poolInfo: { poolId: 'prio' }, priority: 500 });
    await post('/jobs/urgent/tasks', { id: 'u', commandLine: 'x' });
    await post('/jobs', { id: 'lazy', poolInfo: { poolId: 'prio' }, priority: -5 });
    await post('/jobs/lazy/tasks', { id: 'l', commandLine: 'x' });
    await expectCode('lazy', 'l', 'Priority', 'will-resolve');
    await expectCode('urgent', 'u', 'NotYetEvaluated', 'will-resolve');
  });

  it('names a job manager that needs a whole node, and the tasks that wait for it', async () => {
    await post('/pools', { id: 'excl', vmSize: 'local', taskSlotsPerNode: 2 });
    const node = await ScriptedNode.join(server, 'excl');
    await post('/jobs', { id: 'busy', poolInfo: { poolId: 'excl' } });
    await post('/jobs/busy/tasks', { id: 'b', commandLine: 'x' });
    const [busy] = await node.claim(1);
    assert.equal(busy?.taskId, 'b');
    await post('/jobs', {
      id: 'managed',
      poolInfo: { poolId: 'excl' },
      jobManagerTask: { id: 'm', commandLine: 'x' },
    });
    await post('/jobs/managed/tasks', { id: 'w', commandLine: 'x' });
    // One slot is free, but the manager runs exclusively and the job's other task waits for the manager.
    assert.deepEqual(await node.claim(1), []);
    await expectCode('managed', 'm', 'ExclusiveNodeBusy', 'will-resolve');
    await expectCode('managed', 'w', 'WaitingOnJobManager', 'will-resolve');
    await node.complete(busy, { exitCode: 0 });
    const [manager] = await node.claim(2);
    assert.equal(manager?.taskId, 'm');
    assert.equal(manager?.requiredSlots, 2, 'the manager holds every slot of its node');
    await post('/jobs/managed/terminate', {});
  });

  it('names offline nodes and retry backoff, and explains running and completed tasks', async () => {
    await post('/pools', { id: 'off', vmSize: 'local' });
    const node = await ScriptedNode.join(server, 'off');
    const backoff = JSON.stringify({ initial: 'PT1M', jitter: 'none' });
    await post('/jobs', {
      id: 'offjob',
      poolInfo: { poolId: 'off' },
      metadata: [{ name: 'batchite.taskRetryBackoff', value: backoff }],
    });
    await post('/jobs/offjob/tasks', {
      id: 'flaky',
      commandLine: 'x',
      constraints: { maxTaskRetryCount: 1 },
    });
    const [claimed] = await node.claim();
    assert.match((await why('offjob', 'flaky')).summary, /Running on node/);
    await node.complete(claimed!, { exitCode: 2 });
    const backingOff = await expectCode('offjob', 'flaky', 'RetryBackoff', 'will-resolve');
    assert.ok(backingOff.waitInfo.nextChangeAt);
    await clock.advance(61_000);
    await waitFor(async () => (await why('offjob', 'flaky')).waitInfo?.code === 'NoUsableNodes');
    await post('/jobs', { id: 'donejob', poolInfo: { poolId: 'off' } });
    const jobWhy = (
      await batch(server, 'GET', '/.batchite/jobs/offjob/why', undefined, { apiVersion: false })
    ).body;
    assert.equal(jobWhy.waiting[0].code, 'NoUsableNodes');
    assert.equal(jobWhy.waiting[0].count, 1);
    assert.deepEqual(jobWhy.waiting[0].taskIds, ['flaky']);
  });

  it('answers 404 for unknown jobs and tasks, and 403 without the account key', async () => {
    assert.equal(
      (await batch(server, 'GET', '/.batchite/jobs/none/why', undefined, { apiVersion: false })).body.code,
      'JobNotFound',
    );
    assert.equal(
      (await batch(server, 'GET', '/.batchite/jobs/held/tasks/none/why', undefined, { apiVersion: false }))
        .body.code,
      'TaskNotFound',
    );
    assert.equal((await fetch(`${server.url}/.batchite/jobs/held/why`)).status, 403);
  });
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
