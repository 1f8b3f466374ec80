/** Conformance: `claimTasks` applies the claim policy inside one transaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimRequest, Store } from '../../src/store/store.js';
import type { CaseContext } from './conformance-cases.js';
import {
  ids,
  jobDoc,
  T0,
  taskDoc,
  testPolicy,
  type JobShape,
  type PolicyLog,
  type TaskShape,
} from './fixtures.js';

async function jobWithTasks(
  store: Store,
  jobId: string,
  job: JobShape,
  tasks: Record<string, TaskShape>,
): Promise<void> {
  assert.ok(await store.insertJob(jobDoc(jobId, job)));
  const docs = Object.entries(tasks).map(([id, shape]) => taskDoc(jobId, id, shape));
  const added = await store.addTasks(jobId, docs, () => undefined);
  assert.ok(added.every((doc) => doc !== undefined));
}

function request(freeSlots: number, now = T0, nodeId = 'n1'): ClaimRequest {
  return { poolId: 'P', nodeId, freeSlots, now };
}

async function complete(store: Store, jobId: string, taskId: string, result: 'success' | 'failure') {
  await store.mutateTask(jobId, taskId, (task) => ({
    next: {
      ...task,
      entity: {
        ...task.entity,
        state: 'completed',
        executionInfo: { retryCount: 0, requeueCount: 0, result },
      },
    },
    result: undefined,
  }));
}

export function claimCases(ctx: CaseContext): void {
  describe('claimTasks', () => {
    it('starts tasks of the pool active jobs by job priority, then in insertion order', async () => {
      const { store } = ctx;
      await jobWithTasks(store, 'low', { poolId: 'p', priority: 0 }, { z: {}, a: {} });
      await jobWithTasks(store, 'high', { poolId: 'P', priority: 10 }, { m: {}, b: {} });
      await jobWithTasks(store, 'elsewhere', { poolId: 'q', priority: 100 }, { e: {} });
      await jobWithTasks(store, 'disabled', { poolId: 'p', priority: 100, state: 'disabled' }, { d: {} });
      await ctx.clock.advance(500);
      const claimed = await store.claimTasks(request(10, ctx.clock.now()), testPolicy('P', 'n1'));
      assert.deepEqual(ids(claimed), ['m', 'b', 'z', 'a']);
      for (const task of claimed) {
        assert.equal(task.entity.state, 'running');
        assert.equal(task.entity.lastModified, new Date(ctx.clock.now()).toISOString());
        assert.deepEqual(await store.getTask(task.jobId, task.entity.id), task);
      }
      assert.equal((await store.getTask('elsewhere', 'e'))?.entity.state, 'active');
      assert.equal((await store.getTask('disabled', 'd'))?.entity.state, 'active');
      assert.deepEqual(
        await store.claimTasks(request(10), testPolicy('P', 'n1')),
        [],
        'nothing is claimed twice',
      );
      assert.deepEqual(ids(await store.listTasksHeldBy('p', 'N1')).sort(), ['a', 'b', 'm', 'z']);
      assert.equal((await store.countTasks('high')).running, 2);
    });

    it('takes no more slots than are free, passing over tasks that need more', async () => {
      const { store } = ctx;
      await jobWithTasks(store, 'j', {}, { a: { requiredSlots: 2 }, b: { requiredSlots: 2 }, c: {}, d: {} });
      assert.deepEqual(ids(await store.claimTasks(request(3), testPolicy('p', 'n1'))), ['a', 'c']);
      assert.deepEqual(ids(await store.claimTasks(request(0), testPolicy('p', 'n1'))), []);
      assert.deepEqual(ids(await store.claimTasks(request(1), testPolicy('p', 'n1'))), ['d']);
      assert.deepEqual(ids(await store.claimTasks(request(2), testPolicy('p', 'n1'))), ['b']);
    });

    it('asks jobAllowance with the running count and starts no more than it allows', async () => {
      const { store } = ctx;
      await jobWithTasks(
        store,
        'limited',
        { priority: 5, maxParallelTasks: 2 },
        { a: { state: 'running' }, b: {}, c: {} },
      );
      await jobWithTasks(store, 'free', {}, { x: {}, y: {} });
      await jobWithTasks(store, 'prep', { maxParallelTasks: 1 }, { q: { state: 'preparing' }, r: {} });
      const log: PolicyLog = { allowances: [] };
      const claimed = await store.claimTasks(request(10), testPolicy('p', 'n1', log));
      assert.deepEqual(ids(claimed), ['b', 'x', 'y']);
      const runningSeen = Object.fromEntries(
        log.allowances.filter((a) => a.running > 0).map((a) => [a.jobId, a.running]),
      );
      assert.deepEqual(runningSeen, { limited: 1, prep: 1 }, 'running and preparing tasks count as running');
      assert.deepEqual(ids(await store.claimTasks(request(10), testPolicy('p', 'n1'))), []);
    });

    it('asks runnable, whose lookup reads tasks of the same job', async () => {
      const { store } = ctx;
      const parents = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`Parent-${i}`, {}]));
      await jobWithTasks(
        store,
        'j',
        {},
        {
          child: { dependsOn: ['PARENT-0', 'parent-1'] },
          many: { dependsOn: Object.keys(parents) },
          orphan: { dependsOn: ['missing'] },
          ...parents,
        },
      );
      await jobWithTasks(store, 'k', {}, { 'parent-0': { state: 'completed', result: 'success' } });
      const first = await store.claimTasks(request(100), testPolicy('p', 'n1'));
      assert.deepEqual(ids(first), Object.keys(parents), 'children wait for their parents');
      await complete(store, 'j', 'parent-0', 'success');
      await complete(store, 'j', 'parent-1', 'failure');
      assert.deepEqual(ids(await store.claimTasks(request(100), testPolicy('p', 'n1'))), []);
      await complete(store, 'j', 'parent-1', 'success');
      assert.deepEqual(ids(await store.claimTasks(request(100), testPolicy('p', 'n1'))), ['child']);
      for (const id of Object.keys(parents).slice(2)) await complete(store, 'j', id, 'success');
      assert.deepEqual(ids(await store.claimTasks(request(100), testPolicy('p', 'n1'))), ['many']);
      assert.equal((await store.getTask('j', 'orphan'))?.entity.state, 'active');
    });

    it('leaves a task alone until its notBefore time', async () => {
      const { store } = ctx;
      await jobWithTasks(store, 'j', {}, { later: { notBefore: T0 + 1000 }, now: {} });
      assert.deepEqual(ids(await store.claimTasks(request(5, T0), testPolicy('p', 'n1'))), ['now']);
      assert.deepEqual(ids(await store.claimTasks(request(5, T0 + 999), testPolicy('p', 'n1'))), []);
      assert.deepEqual(ids(await store.claimTasks(request(5, T0 + 1000), testPolicy('p', 'n1'))), ['later']);
    });

    it('finds a runnable task behind hundreds of blocked ones', async () => {
      const { store } = ctx;
      const blocked = Object.fromEntries(
        Array.from({ length: 450 }, (_, i) => [`b${i}`, { dependsOn: ['gate'] }]),
      );
      await jobWithTasks(store, 'j', {}, { ...blocked, free: {} });
      assert.deepEqual(ids(await store.claimTasks(request(1), testPolicy('p', 'n1'))), ['free']);
    });
  });
}
