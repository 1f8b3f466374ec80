/**
 * Conformance: a job inserted with its first tasks (the job manager) in one transaction — both or neither — and
 * an exclusive task (runExclusive) that starts only on a node with every slot free and holds them all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskDoc } from '../../src/store/documents.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, T0, taskDoc, testPolicy } from './fixtures.js';

function manager(jobId: string, internal: TaskDoc['internal'] = {}): TaskDoc {
  const doc = taskDoc(jobId, 'manager');
  return { ...doc, internal: { ...doc.internal, jobManager: true, ...internal } };
}

export function jobManagerCases(ctx: CaseContext): void {
  describe('insertJob with its job manager task', () => {
    it('stores the job and its first task together, the task first in claim order', async () => {
      const { store } = ctx;
      const job = await store.insertJob(jobDoc('J', { poolId: 'P' }), [manager('J')]);
      assert.equal(job?.entity.id, 'J');
      const stored = await store.getTask('j', 'MANAGER');
      assert.equal(stored?.internal.jobManager, true);
      assert.ok(stored?.entity.eTag !== undefined && stored.entity.eTag !== job?.entity.eTag);
      await store.addTasks('j', [taskDoc('J', 'a')], () => undefined);
      const claimed = await store.claimTasks(
        { poolId: 'P', nodeId: 'n1', freeSlots: 1, now: T0 },
        testPolicy('P', 'n1'),
      );
      assert.deepEqual(ids(claimed), ['manager']);
    });

    it('writes neither when the job exists, nor when the task cannot be written', async () => {
      const { store } = ctx;
      assert.ok(await store.insertJob(jobDoc('J')));
      assert.equal(await store.insertJob(jobDoc('j'), [manager('j')]), undefined);
      assert.equal(await store.getTask('j', 'manager'), undefined, 'no task joins the existing job');

      // A task document that cannot be serialised fails inside the transaction: the job must not remain.
      const broken = manager('K');
      (broken.entity as unknown as Record<string, unknown>).poison = 1n;
      await assert.rejects(store.insertJob(jobDoc('K'), [broken]));
      assert.equal(await store.getJob('K'), undefined, 'no job without its manager');
      assert.ok(await store.insertJob(jobDoc('K'), [manager('K')]), 'the id is free again');
    });
  });

  describe('exclusive tasks', () => {
    it('start only on a node with every slot free, and hold all of its slots', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('J', { poolId: 'P' }), [manager('J', { exclusive: true })]);
      const request = { poolId: 'P', nodeId: 'n1', now: T0, nodeSlots: 4 };
      const policy = testPolicy('P', 'n1');
      assert.deepEqual(await store.claimTasks({ ...request, freeSlots: 3 }, policy), []);
      const [started] = await store.claimTasks({ ...request, freeSlots: 4 }, policy);
      assert.equal(started?.internal.lease?.slots, 4);
      assert.equal((await store.getTask('J', 'manager'))?.internal.lease?.slots, 4);
      const counts = await store.countTasks('J');
      assert.equal(counts.running, 1);
      assert.equal(counts.runningSlots, 4, 'the run holds the whole node');
    });
  });
}
