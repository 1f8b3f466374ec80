/** Conformance: adding tasks, listing, counting, leases and removal. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskDoc } from '../../src/store/documents.js';
import type { Store } from '../../src/store/store.js';
import { JobMissing } from '../../src/store/store-errors.js';
import { emptyTaskCounts } from '../../src/store/task-counts.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, taskDoc, type TaskShape } from './fixtures.js';

const accept = () => undefined;

async function addShaped(store: Store, jobId: string, shapes: Record<string, TaskShape>): Promise<void> {
  const tasks = Object.entries(shapes).map(([id, shape]) => taskDoc(jobId, id, shape));
  const added = await store.addTasks(jobId, tasks, accept);
  assert.ok(added.every((doc) => doc !== undefined));
}

function leased(task: TaskDoc, poolId: string, nodeId: string): TaskDoc {
  return {
    ...task,
    entity: { ...task.entity, state: 'running' },
    internal: { ...task.internal, lease: { poolId, nodeId, token: 'token' } },
  };
}

export function taskCases(ctx: CaseContext): void {
  describe('addTasks', () => {
    it('answers per input task, refusing taken ids and duplicates within the batch', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('J'));
      await store.addTasks('j', [taskDoc('J', 'T1')], accept);
      const batch = [
        taskDoc('J', 't1'),
        taskDoc('J', 'A'),
        taskDoc('J', 'B'),
        { ...taskDoc('J', 'a'), entity: { ...taskDoc('J', 'a').entity, commandLine: 'second' } },
        taskDoc('J', 'C'),
      ];
      const added = await store.addTasks('J', batch, accept);
      assert.deepEqual(ids(added), [undefined, 'A', 'B', undefined, 'C']);
      assert.equal((await store.getTask('j', 'a'))?.entity.commandLine, '/bin/echo A', 'the first one wins');
      assert.deepEqual(ids(await store.listTasks('j', { limit: 10 })), ['A', 'B', 'C', 'T1']);
      for (const doc of added)
        if (doc !== undefined) assert.deepEqual(await store.getTask('j', doc.entity.id), doc);
      assert.deepEqual(await store.addTasks('j', [taskDoc('J', 'b'), taskDoc('J', 'B')], accept), [
        undefined,
        undefined,
      ]);
      assert.deepEqual(await store.addTasks('j', [], accept), []);
    });

    it('runs check against the current job, and a throwing check rejects the whole batch', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j', { priority: 1 }));
      await store.mutateJob('j', (job) => ({
        next: { ...job, entity: { ...job.entity, priority: 7 } },
        result: 0,
      }));
      const seen: number[] = [];
      await store.addTasks('j', [taskDoc('j', 'first')], (job) => {
        seen.push(job.entity.priority!);
      });
      assert.deepEqual(seen, [7]);
      const refusal = new Error('the job is completed');
      await assert.rejects(
        store.addTasks('j', [taskDoc('j', 'x'), taskDoc('j', 'y')], () => {
          throw refusal;
        }),
        (error) => error === refusal,
      );
      assert.deepEqual(ids(await store.listTasks('j', { limit: 10 })), ['first']);
      assert.equal((await store.countTasks('j')).active, 1);
    });

    it('rejects with JobMissing when the job row is gone', async () => {
      const { store } = ctx;
      await assert.rejects(store.addTasks('never', [taskDoc('never', 'a')], accept), JobMissing);
      await store.insertJob(jobDoc('j'));
      await store.removeJob('j');
      await assert.rejects(
        store.addTasks('j', [taskDoc('j', 'a')], () => assert.fail('check must not run without a job')),
        JobMissing,
      );
    });
  });

  describe('task queries', () => {
    it('lists tasks by id key a page at a time, with the state filter pushed down', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j'));
      await store.insertJob(jobDoc('other'));
      await addShaped(store, 'j', {
        c: {},
        A: {},
        b: { state: 'completed' },
        D: {},
        e: { state: 'completed' },
      });
      await addShaped(store, 'other', { a0: {}, b0: { state: 'completed' } });
      assert.deepEqual(ids(await store.listTasks('J', { limit: 2 })), ['A', 'b']);
      assert.deepEqual(ids(await store.listTasks('j', { limit: 2, afterKey: 'b' })), ['c', 'D']);
      assert.deepEqual(ids(await store.listTasks('j', { limit: 10, state: 'completed' })), ['b', 'e']);
      assert.deepEqual(ids(await store.listTasks('j', { limit: 1, state: 'active', afterKey: 'a' })), ['c']);
      await store.mutateTask('j', 'c', (task) => ({
        next: { ...task, entity: { ...task.entity, state: 'completed' } },
        result: undefined,
      }));
      assert.deepEqual(ids(await store.listTasks('j', { limit: 10, state: 'completed' })), ['b', 'c', 'e']);
      assert.deepEqual(ids(await store.listTasks('nope', { limit: 10 })), []);
    });

    it('counts tasks by state and result, weighting slots, and all tasks by state', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j'));
      await store.insertJob(jobDoc('k'));
      await addShaped(store, 'j', {
        a1: {},
        a2: { requiredSlots: 2 },
        r1: { state: 'running', requiredSlots: 3 },
        p1: { state: 'preparing' },
        s1: { state: 'completed', result: 'success', requiredSlots: 2 },
        f1: { state: 'completed', result: 'failure' },
        f2: { state: 'completed', result: 'failure' },
      });
      await addShaped(store, 'k', { x: {}, y: { state: 'running' } });
      assert.deepEqual(await store.countTasks('J'), {
        active: 2,
        running: 2,
        completed: 3,
        succeeded: 1,
        failed: 2,
        activeSlots: 3,
        runningSlots: 4,
        completedSlots: 4,
        succeededSlots: 2,
        failedSlots: 2,
      });
      assert.deepEqual(await store.countTasks('nope'), emptyTaskCounts());
      assert.deepEqual(await store.countAllTasks(), { active: 3, running: 2, preparing: 1, completed: 3 });
    });

    it('lists the tasks whose lease a node holds', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j'));
      await store.insertJob(jobDoc('k'));
      await addShaped(store, 'j', { a: {}, b: {}, c: {} });
      await addShaped(store, 'k', { d: {} });
      const lease = (jobId: string, taskId: string, nodeId: string) =>
        store.mutateTask(jobId, taskId, (task) => ({ next: leased(task, 'Pool', nodeId), result: 0 }));
      await lease('j', 'a', 'N1');
      await lease('j', 'c', 'n2');
      await lease('k', 'd', 'n1');
      assert.deepEqual(ids(await store.listTasksHeldBy('POOL', 'n1')), ['a', 'd']);
      assert.deepEqual(ids(await store.listTasksHeldBy('pool', 'N2')), ['c']);
      assert.deepEqual(await store.listTasksHeldBy('other', 'n1'), []);
      await store.mutateTask('j', 'a', (task) => {
        const { lease: _released, ...internal } = task.internal;
        return { next: { ...task, entity: { ...task.entity, state: 'active' }, internal }, result: 0 };
      });
      assert.deepEqual(ids(await store.listTasksHeldBy('pool', 'n1')), ['d'], 'a released lease is gone');
    });
  });

  describe('removal', () => {
    it('removes a job with all its tasks, and nothing of other jobs', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j'));
      await store.insertJob(jobDoc('k'));
      await addShaped(store, 'j', { a: {}, b: { state: 'running' } });
      await addShaped(store, 'k', { a: {} });
      await store.removeJob('J');
      assert.equal(await store.getJob('j'), undefined);
      assert.equal(await store.getTask('j', 'a'), undefined);
      assert.deepEqual(await store.listTasks('j', { limit: 10 }), []);
      assert.deepEqual(await store.countTasks('j'), emptyTaskCounts());
      assert.deepEqual(ids(await store.listTasks('k', { limit: 10 })), ['a']);
      assert.ok(await store.insertJob(jobDoc('j')));
      assert.deepEqual(
        ids(await store.addTasks('j', [taskDoc('j', 'a')], accept)),
        ['a'],
        'no task row was left',
      );
    });

    it('removes single tasks', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j'));
      await addShaped(store, 'j', { a: {}, b: {} });
      await store.removeTask('J', 'A');
      assert.deepEqual(ids(await store.listTasks('j', { limit: 10 })), ['b']);
      await store.removeTask('j', 'missing');
      assert.equal((await store.countTasks('j')).active, 1);
    });
  });
}
