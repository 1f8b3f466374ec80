/**
 * `complete` with `claimNext`: the node reports a run and gets the tasks for the slots it frees in the same
 * exchange (docs/node-api.md). Driven with a scripted node through the real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { batch, ScriptedNode, testServer, type ClaimedTask, type TestServer } from './support.js';

let server: TestServer;

before(async () => {
  server = await testServer();
  assert.equal(
    (await batch(server, 'POST', '/pools', { id: 'p', vmSize: 'local', taskSlotsPerNode: 1 })).status,
    201,
  );
  assert.equal((await batch(server, 'POST', '/jobs', { id: 'j', poolInfo: { poolId: 'p' } })).status, 201);
  for (const id of ['a', 'b']) {
    const reply = await batch(server, 'POST', '/jobs/j/tasks', { id, commandLine: '/bin/true' });
    assert.equal(reply.status, 201);
  }
});

after(async () => {
  await server.dispose();
});

function report(task: ClaimedTask, extra: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  const { jobId, taskId, leaseToken } = task;
  return { jobId, taskId, leaseToken, startTime: now, endTime: now, exitCode: 0, ...extra };
}

async function taskState(id: string): Promise<string> {
  return ((await batch(server, 'GET', `/jobs/j/tasks/${id}`)).body as { state: string }).state;
}

describe('complete with claimNext', () => {
  it('refuses a bad claimNext before recording anything, then records the run and hands out the next task', async () => {
    const node = await ScriptedNode.join(server, 'p');
    const [first] = await node.claim(1);
    assert.ok(first);

    const bad = await node.call('complete', report(first, { claimNext: -1 }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'InvalidPropertyValue');
    assert.equal(await taskState(first.taskId), 'running', 'the refused report changed nothing');

    const answer = await node.call('complete', report(first, { claimNext: 1 }));
    assert.equal(answer.status, 200);
    assert.equal(answer.body.accepted, true);
    const next = answer.body.tasks as ClaimedTask[];
    assert.equal(next.length, 1);
    const [second] = next;
    assert.ok(second);
    assert.notEqual(second.taskId, first.taskId);
    assert.ok(answer.body.leaseExpiresAt > Date.now());
    assert.equal(await taskState(first.taskId), 'completed');
    assert.equal(await taskState(second.taskId), 'running', 'the next task is claimed for this node');
    const nodeDoc = (await batch(server, 'GET', `/pools/p/nodes/${node.nodeId}`)).body;
    assert.equal(nodeDoc.runningTasksCount, 1);
    assert.equal(nodeDoc.totalTasksRun, 1);

    // Nothing left: the answer says so at once instead of waiting like a long poll.
    const last = await node.call('complete', report(second, { claimNext: 1 }));
    assert.equal(last.body.accepted, true);
    assert.deepEqual(last.body.tasks, []);
    const idle = (await batch(server, 'GET', `/pools/p/nodes/${node.nodeId}`)).body;
    assert.equal(idle.state, 'idle');
    assert.equal(idle.totalTasksRun, 2);
  });

  it('without claimNext answers as before: only accepted', async () => {
    assert.equal(
      (await batch(server, 'POST', '/jobs/j/tasks', { id: 'c', commandLine: '/bin/true' })).status,
      201,
    );
    const node = await ScriptedNode.join(server, 'p');
    const [task] = await node.claim(1);
    assert.ok(task);
    const answer = await node.call('complete', report(task, {}));
    assert.deepEqual(answer.body, { accepted: true });
  });
});
