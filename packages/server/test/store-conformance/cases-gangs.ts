/**
 * Conformance: `placeGangTasks` reserves a gang task's nodes all together or not at all, in one transaction,
 * and two placements running at once never share a node nor deadlock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeDoc, TaskDoc } from '../../src/store/documents.js';
import type { GangPolicy, Store } from '../../src/store/store.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, nodeDoc, T0, taskDoc, testPolicy } from './fixtures.js';

/** A task that needs `instances` nodes at once. */
function gangTask(jobId: string, id: string, instances: number): TaskDoc {
  const task = taskDoc(jobId, id);
  task.entity.multiInstanceSettings = { numberOfInstances: instances, coordinationCommandLine: '/bin/true' };
  return task;
}

/** Like the scheduler's: one instance per node, on nodes with a free slot; the primary holds the lease. */
function gangPolicy(poolId: string, failOnPlace = false): GangPolicy {
  const claim = testPolicy(poolId, 'unused');
  return {
    jobAllowance: (job, running) => claim.jobAllowance(job, running),
    runnable: (task, job, lookup, range) => claim.runnable(task, job, lookup, range),
    instances: (task) => task.entity.multiInstanceSettings?.numberOfInstances ?? 0,
    canHost: (node) =>
      node.entity.schedulingState !== 'disabled' &&
      (node.entity.runningTaskSlotsCount ?? 0) < node.internal.slots,
    place(task, _job, nodes) {
      if (failOnPlace) throw new Error('placement failed');
      const primary = nodes[0] as NodeDoc;
      return {
        task: {
          ...task,
          entity: { ...task.entity, state: 'running' },
          internal: { ...task.internal, lease: { poolId, nodeId: primary.entity.id, token: task.entity.id } },
        },
        nodes: nodes.map((node) => ({
          ...node,
          entity: { ...node.entity, runningTaskSlotsCount: (node.entity.runningTaskSlotsCount ?? 0) + 1 },
        })),
      };
    },
  };
}

async function seedNodes(store: Store, count: number, slots = 1): Promise<void> {
  for (let index = 1; index <= count; index++) {
    assert.ok(await store.insertNode(nodeDoc('p', `n${index}`, { slots })));
  }
}

async function seedJob(store: Store, jobId: string, tasks: TaskDoc[], priority = 0): Promise<void> {
  assert.ok(await store.insertJob(jobDoc(jobId, { priority })));
  assert.ok((await store.addTasks(jobId, tasks, () => undefined)).every((doc) => doc !== undefined));
}

/** Instances each node of pool p hosts, by node id. */
async function hosted(store: Store): Promise<Record<string, number>> {
  const nodes = await store.listNodes('p', { limit: 100 });
  return Object.fromEntries(nodes.map((node) => [node.entity.id, node.entity.runningTaskSlotsCount ?? 0]));
}

export function gangCases(ctx: CaseContext): void {
  describe('placeGangTasks', () => {
    it('places a gang task on distinct nodes with a free slot, task and nodes written together', async () => {
      const { store } = ctx;
      await seedNodes(store, 4);
      await store.mutateNode('p', 'n2', (node) => ({
        next: { ...node, entity: { ...node.entity, schedulingState: 'disabled' } },
        result: undefined,
      }));
      await seedJob(store, 'j', [taskDoc('j', 'plain'), gangTask('j', 'g', 3)]);
      const placed = await store.placeGangTasks({ poolId: 'P', now: T0 }, gangPolicy('p'));
      assert.equal(placed.length, 1);
      assert.deepEqual(ids(placed[0]?.nodes ?? []), ['n1', 'n3', 'n4']);
      const task = await store.getTask('j', 'g');
      assert.deepEqual(task, placed[0]?.task);
      assert.equal(task?.entity.state, 'running');
      assert.deepEqual(ids(await store.listTasksHeldBy('p', 'n1')), ['g']);
      for (const node of placed[0]?.nodes ?? []) {
        assert.deepEqual(await store.getNode('p', node.entity.id), node, 'each node as returned');
      }
      assert.deepEqual(await hosted(store), { n1: 1, n2: 0, n3: 1, n4: 1 });
      assert.equal((await store.getTask('j', 'plain'))?.entity.state, 'active', 'claims start plain tasks');
    });

    it('too few nodes: nothing is written (no half reservation), the task stays active', async () => {
      const { store } = ctx;
      await seedNodes(store, 2);
      await seedJob(store, 'j', [gangTask('j', 'g', 3)]);
      const before = await store.listNodes('p', { limit: 100 });
      assert.deepEqual(await store.placeGangTasks({ poolId: 'p', now: T0 }, gangPolicy('p')), []);
      assert.deepEqual(await store.listNodes('p', { limit: 100 }), before, 'nodes untouched, same eTags');
      assert.equal((await store.getTask('j', 'g'))?.entity.state, 'active');
    });

    it('by job priority, then insertion order; a gang that does not fit is passed over', async () => {
      const { store } = ctx;
      await seedNodes(store, 4);
      await seedJob(store, 'low', [gangTask('low', 'small', 1)], 0);
      await seedJob(store, 'high', [gangTask('high', 'a', 3), gangTask('high', 'b', 3)], 10);
      const placed = await store.placeGangTasks({ poolId: 'p', now: T0 }, gangPolicy('p'));
      assert.deepEqual(ids(placed.map((placement) => placement.task)), ['a', 'small']);
      assert.deepEqual(ids(placed[1]?.nodes ?? []), ['n4']);
      assert.deepEqual(await hosted(store), { n1: 1, n2: 1, n3: 1, n4: 1 });
      assert.equal((await store.getTask('high', 'b'))?.entity.state, 'active');
    });

    it('a policy that throws writes nothing', async () => {
      const { store } = ctx;
      await seedNodes(store, 3);
      await seedJob(store, 'j', [gangTask('j', 'g', 2)]);
      const before = await store.listNodes('p', { limit: 100 });
      await assert.rejects(store.placeGangTasks({ poolId: 'p', now: T0 }, gangPolicy('p', true)));
      assert.deepEqual(await store.listNodes('p', { limit: 100 }), before);
      assert.equal((await store.getTask('j', 'g'))?.entity.state, 'active');
    });

    it('placements running at once (two stores) never share a node and all finish', async () => {
      const { store } = ctx;
      const other = await ctx.reopen();
      for (let round = 0; round < 8; round++) {
        const poolId = `p${round}`;
        for (const nodeId of ['n1', 'n2', 'n3'])
          assert.ok(await store.insertNode(nodeDoc(poolId, nodeId, { slots: 1 })));
        // Two jobs, so neither placement finds the other's task locked: only the node rows keep them apart.
        for (const jobId of [`a${round}`, `b${round}`]) {
          assert.ok(await store.insertJob(jobDoc(jobId, { poolId })));
          assert.ok((await store.addTasks(jobId, [gangTask(jobId, 'g', 2)], () => undefined))[0]);
        }
        const placed = (
          await Promise.all(
            [store, other].map((each) => each.placeGangTasks({ poolId, now: T0 }, gangPolicy(poolId))),
          )
        ).flat();
        assert.equal(placed.length, 1, `round ${round}: three one-slot nodes hold one gang of two`);
        const nodes = await store.listNodes(poolId, { limit: 10 });
        const slots = nodes.map((node) => node.entity.runningTaskSlotsCount ?? 0);
        assert.deepEqual(slots.sort(), [0, 1, 1], `round ${round}`);
      }
    });
  });
}
