/**
 * docs/task-semantics.md "Scheduling": a task takes `requiredSlots` of the node's `taskSlotsPerNode`, and because
 * nodes pull work by long poll "a task added to an idle pool starts within milliseconds". Checked on a node that
 * has just finished a smaller task, where a long poll still open from before could carry a stale slot count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { addRunJob, sh, taskInState, withRunner } from './helpers.js';

const SLOTS = 2;
/** Generous for a loaded 2-core machine, yet well below the server's 20 s claim long-poll. */
const START_TIMEOUT_MS = 5_000;

void describe('slots on a real node', () => {
  const runner = withRunner({ nodes: 1, slots: SLOTS });

  void it('a task needing every slot starts promptly on an idle node that just ran a 1-slot task', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const small = uniqueId('small');
    await client.task.add(jobId, { id: small, commandLine: sh(`${scratch.mark(small)}; exit 0`) });
    await taskInState(runner, jobId, small, 'completed');
    const nodes = await client.computeNode.list(runner.poolId);
    assert.deepEqual(
      nodes.map((n) => [n.state, n.runningTaskSlotsCount ?? 0]),
      [['idle', 0]],
      'the node is idle with every slot free',
    );

    const wide = uniqueId('wide');
    await client.task.add(jobId, {
      id: wide,
      commandLine: sh(`${scratch.mark(wide)}; exit 0`),
      requiredSlots: SLOTS,
    });
    const done = await taskInState(runner, jobId, wide, 'completed', { timeoutMs: START_TIMEOUT_MS });
    assert.equal(done.executionInfo?.result, 'success');
    assert.equal(await scratch.runs(wide), 1);
  });

  void it('two 1-slot tasks run side by side on a 2-slot node', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner);
    const [a, b] = [uniqueId('a'), uniqueId('b')];
    await client.task.addCollection(jobId, [
      { id: a, commandLine: scratch.gated(a) },
      { id: b, commandLine: scratch.gated(b) },
    ]);
    await taskInState(runner, jobId, a, 'running');
    await taskInState(runner, jobId, b, 'running');
    const [node] = await client.computeNode.list(runner.poolId);
    assert.equal(node?.runningTaskSlotsCount, 2);
    await scratch.open(a);
    await scratch.open(b);
    await taskInState(runner, jobId, a, 'completed');
    await taskInState(runner, jobId, b, 'completed');
  });
});
