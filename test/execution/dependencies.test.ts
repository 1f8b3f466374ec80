/**
 * a dependant task stays `active` until every parent has succeeded; a failed
 * parent blocks it for good unless the parent's exit options say `dependencyAction: satisfy`; `taskIdRanges`
 * name parents by numeric id range.
 *
 * "Still active" is checked after an unrelated task of the same job, added later, has run to completion: had the
 * dependant been runnable, the scheduler (tasks in the order they were added) would have started it first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchServiceModels } from '@azure/batch';
import { uniqueId } from '../support/ids.js';
import { addRunJob, sh, taskInState, withRunner, type Runner } from './helpers.js';

type CloudTask = BatchServiceModels.CloudTask;

/**
 * Runs an unrelated quick task in the job to completion, then asserts `taskId` is still active and never ran
 * (`key`: its scratch key).
 */
async function assertStillWaiting(
  runner: Runner,
  jobId: string,
  taskId: string,
  key = taskId,
): Promise<void> {
  const marker = uniqueId('marker');
  await runner.client.task.add(jobId, {
    id: marker,
    commandLine: sh(`${runner.scratch.mark(marker)}; exit 0`),
  });
  await taskInState(runner, jobId, marker, 'completed');
  const task = await runner.client.task.get(jobId, taskId);
  assert.equal(task.state, 'active', `${taskId} is still waiting for its parents`);
  assert.equal(await runner.scratch.runs(key), 0, `${taskId} never ran`);
}

function startedAfter(child: CloudTask, parents: CloudTask[]): void {
  const start = child.executionInfo?.startTime;
  assert.ok(start instanceof Date, 'the child has a startTime');
  for (const parent of parents) {
    const end = parent.executionInfo?.endTime;
    assert.ok(end instanceof Date, `parent ${parent.id} has an endTime`);
    assert.ok(
      start.getTime() >= end.getTime(),
      `child started ${start.toISOString()} before parent ${parent.id} ended ${end.toISOString()}`,
    );
  }
}

void describe('task dependencies (scenario 16)', () => {
  const runner = withRunner({ slots: 4 });

  void it('the child stays active while its parent runs and starts after the parent succeeded', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const parent = uniqueId('parent');
    const child = uniqueId('child');
    await client.task.add(jobId, { id: parent, commandLine: scratch.gated(parent, 0) });
    await client.task.add(jobId, {
      id: child,
      commandLine: sh(`${scratch.mark(child)}; exit 0`),
      dependsOn: { taskIds: [parent] },
    });
    await taskInState(runner, jobId, parent, 'running');
    await assertStillWaiting(runner, jobId, child);

    await scratch.open(parent);
    const parentDone = await taskInState(runner, jobId, parent, 'completed');
    assert.equal(parentDone.executionInfo?.result, 'success');
    const childDone = await taskInState(runner, jobId, child, 'completed');
    assert.equal(childDone.executionInfo?.result, 'success');
    assert.deepEqual(childDone.dependsOn?.taskIds, [parent]);
    startedAfter(childDone, [parentDone]);
    assert.equal(await scratch.runs(child), 1);
  });

  void it('a parent that fails with the default exit options blocks the child', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const parent = uniqueId('parent');
    const child = uniqueId('child');
    await client.task.add(jobId, {
      id: parent,
      commandLine: sh(`${scratch.mark(parent)}; exit 1`),
      constraints: { maxTaskRetryCount: 1 },
    });
    await client.task.add(jobId, {
      id: child,
      commandLine: sh(`${scratch.mark(child)}; exit 0`),
      dependsOn: { taskIds: [parent] },
    });
    const failed = await taskInState(runner, jobId, parent, 'completed');
    assert.equal(failed.executionInfo?.result, 'failure');
    assert.equal(await scratch.runs(parent), 2, 'the parent used its retry first');
    await assertStillWaiting(runner, jobId, child);
    const counts = await client.job.getTaskCounts(jobId);
    assert.equal(counts.taskCounts.active, 1, 'the blocked child counts as active');
  });

  void it("a failed parent with dependencyAction 'satisfy' lets the child run", async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const parent = uniqueId('parent');
    const child = uniqueId('child');
    await client.task.add(jobId, {
      id: parent,
      commandLine: sh(`${scratch.mark(parent)}; exit 1`),
      exitConditions: { exitCodes: [{ code: 1, exitOptions: { dependencyAction: 'satisfy' } }] },
    });
    await client.task.add(jobId, {
      id: child,
      commandLine: sh(`${scratch.mark(child)}; exit 0`),
      dependsOn: { taskIds: [parent] },
    });
    const parentDone = await taskInState(runner, jobId, parent, 'completed');
    assert.equal(parentDone.executionInfo?.result, 'failure', 'the parent still failed');
    const childDone = await taskInState(runner, jobId, child, 'completed');
    assert.equal(childDone.executionInfo?.result, 'success');
    startedAfter(childDone, [parentDone]);
  });

  void it('default exitOptions with dependencyAction satisfy also unblock the child', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const parent = uniqueId('parent');
    const child = uniqueId('child');
    await client.task.add(jobId, {
      id: parent,
      commandLine: sh(`${scratch.mark(parent)}; exit 42`),
      exitConditions: { default: { dependencyAction: 'satisfy' } },
    });
    await client.task.add(jobId, {
      id: child,
      commandLine: sh(`${scratch.mark(child)}; exit 0`),
      dependsOn: { taskIds: [parent] },
    });
    const childDone = await taskInState(runner, jobId, child, 'completed');
    assert.equal(childDone.executionInfo?.result, 'success');
  });

  void it('taskIdRanges: the child waits for every task in the range', async () => {
    const { client, scratch } = runner;
    const jobId = await addRunJob(runner, { usesTaskDependencies: true });
    const keys = ['1', '2', '3'].map((id) => ({ id, key: `${jobId}-${id}` }));
    for (const { id, key } of keys) await client.task.add(jobId, { id, commandLine: scratch.gated(key, 0) });
    const child = '10';
    const childKey = `${jobId}-${child}`;
    await client.task.add(jobId, {
      id: child,
      commandLine: sh(`${scratch.mark(childKey)}; exit 0`),
      dependsOn: { taskIdRanges: [{ start: 1, end: 3 }] },
    });
    for (const { id } of keys) await taskInState(runner, jobId, id, 'running');
    await scratch.open(keys[0]!.key);
    await scratch.open(keys[1]!.key);
    await taskInState(runner, jobId, '1', 'completed');
    await taskInState(runner, jobId, '2', 'completed');
    await assertStillWaiting(runner, jobId, child, childKey);

    await scratch.open(keys[2]!.key);
    const childDone = await taskInState(runner, jobId, child, 'completed');
    assert.equal(childDone.executionInfo?.result, 'success');
    assert.deepEqual(childDone.dependsOn?.taskIdRanges, [{ start: 1, end: 3 }]);
    const parents = await Promise.all(keys.map(({ id }) => client.task.get(jobId, id)));
    startedAfter(childDone, parents);
    assert.equal(await scratch.runs(childKey), 1);
  });
});
