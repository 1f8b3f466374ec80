/**
 * Conformance: dependency ranges are answered from the tasks that exist (numeric ids in canonical decimal),
 * whatever the range's width, and the scheduler's claim policy starts a dependant only when its whole range is
 * satisfied.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimPolicy } from '../../src/services/scheduler-policy.js';
import type { TaskDoc } from '../../src/store/documents.js';
import type { Store } from '../../src/store/store.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, T0, taskDoc } from './fixtures.js';

const INT32_MAX = 2_147_483_647;

function finished(jobId: string, id: string, result: 'success' | 'failure', satisfies = false): TaskDoc {
  const doc = taskDoc(jobId, id, { state: 'completed', result });
  return { ...doc, internal: satisfies ? { satisfiesDependents: true } : {} };
}

function dependant(jobId: string, id: string, start: number, end: number): TaskDoc {
  const doc = taskDoc(jobId, id);
  return { ...doc, entity: { ...doc.entity, dependsOn: { taskIdRanges: [{ start, end }] } } };
}

async function addJob(store: Store, jobId: string, tasks: TaskDoc[]): Promise<void> {
  assert.ok(await store.insertJob(jobDoc(jobId, { poolId: 'P' })));
  const added = await store.addTasks(jobId, tasks, () => undefined);
  assert.ok(added.every((doc) => doc !== undefined));
}

const policy = () =>
  claimPolicy({ poolId: 'P', nodeId: 'n1', accountUrl: 'http://x' }, new Date(T0).toISOString());

export function rangeCases(ctx: CaseContext): void {
  describe('dependency ranges', () => {
    it('counts a range over the tasks that exist: present, satisfied, blocking', async () => {
      const { store } = ctx;
      await addJob(store, 'j', [
        finished('j', '1', 'success'),
        finished('j', '2', 'failure'),
        finished('j', '3', 'failure', true),
        taskDoc('j', '4'),
        taskDoc('j', '07'),
        taskDoc('j', 'x9'),
        taskDoc('j', '99999999999'),
      ]);
      await addJob(store, 'other', [finished('other', '5', 'success')]);
      assert.deepEqual(await store.summarizeTaskRange('j', 0, INT32_MAX), {
        present: 4,
        satisfied: 2,
        blocking: 1,
      });
      assert.deepEqual(await store.summarizeTaskRange('J', 5, 10), { present: 0, satisfied: 0, blocking: 0 });
      assert.deepEqual(await store.listTaskRangeIds('j', 0, INT32_MAX, 'present', 10), [1, 2, 3, 4]);
      assert.deepEqual(await store.listTaskRangeIds('j', 0, INT32_MAX, 'open', 10), [4]);
      assert.deepEqual(await store.listTaskRangeIds('j', 0, INT32_MAX, 'blocking', 10), [2]);
      assert.deepEqual(await store.listTaskRangeIds('j', 2, 3, 'present', 1), [2]);
    });

    it('claims a dependant once every id of its range completed and satisfies', async () => {
      const { store } = ctx;
      await addJob(store, 'j', [
        dependant('j', 'wide', 0, INT32_MAX),
        dependant('j', 'child', 1, 3),
        finished('j', '1', 'success'),
        finished('j', '2', 'failure', true),
        taskDoc('j', '3'),
      ]);
      const request = { poolId: 'P', nodeId: 'n1', freeSlots: 10, now: T0 };
      assert.deepEqual(ids(await store.claimTasks(request, policy())), ['3']);
      await store.mutateTask('j', '3', (task) => ({ next: finished('j', '3', 'success'), result: task }));
      assert.deepEqual(
        ids(await store.claimTasks(request, policy())),
        ['child'],
        'the wide range still waits',
      );
    });
  });
}
