/**
 * Conformance: `claimTasksForNode` and `completeTask` change tasks and account their node in one transaction
 * (the node's counts come from what it holds after the task writes; a failure anywhere writes nothing).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeDoc, TaskDoc } from '../../src/store/documents.js';
import type { HeldTasks, NodeAccounting, Store } from '../../src/store/store.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, nodeDoc, taskDoc, testPolicy, type TaskShape } from './fixtures.js';

interface AccountingLog {
  calls: { held: HeldTasks; finished: TaskDoc | undefined }[];
}

/**
 * Accounting like the service's, small enough to read: running counts from what the node holds, a finished
 * run counted; nothing written when nothing changed. `failOnCall` throws on that call (1-based).
 */
function counting(nodeId: string, log: AccountingLog, failOnCall?: number): NodeAccounting {
  return {
    poolId: 'p',
    nodeId,
    account(current, held, finished) {
      log.calls.push({ held, finished });
      if (log.calls.length === failOnCall) throw new Error('accounting failed');
      const entity = { ...current.entity, runningTasksCount: held.tasks, runningTaskSlotsCount: held.slots };
      if (finished !== undefined) entity.totalTasksRun = (entity.totalTasksRun ?? 0) + 1;
      const same =
        finished === undefined &&
        entity.runningTasksCount === current.entity.runningTasksCount &&
        entity.runningTaskSlotsCount === current.entity.runningTaskSlotsCount;
      return same ? undefined : { ...current, entity };
    },
  };
}

async function seed(store: Store, tasks: Record<string, TaskShape>, slots = 4): Promise<void> {
  assert.ok(await store.insertNode(nodeDoc('p', 'n1', { slots })));
  assert.ok(await store.insertJob(jobDoc('j')));
  const added = await store.addTasks(
    'j',
    Object.entries(tasks).map(([id, shape]) => taskDoc('j', id, shape)),
    () => undefined,
  );
  assert.ok(added.every((doc) => doc !== undefined));
}

/** Free slots as the scheduler computes them, from the node as accounted before the claim. */
function serverFree(node: NodeDoc): number {
  return node.internal.slots - (node.entity.runningTaskSlotsCount ?? 0);
}

/** Takes the task off its node, as a completion does. */
function finish(task: TaskDoc): TaskDoc {
  const { lease: _released, ...internal } = task.internal;
  return { ...task, entity: { ...task.entity, state: 'completed' }, internal };
}

function leaseOf(task: TaskDoc | undefined): string | undefined {
  return task?.internal.lease?.token;
}

export function nodeRunCases(ctx: CaseContext): void {
  describe('claimTasksForNode', () => {
    it('accounts the node before the claim (for its free slots) and after it, writing it once', async () => {
      const { store, clock } = ctx;
      await seed(store, { held: {}, a: {}, b: { requiredSlots: 2 }, c: {} });
      await store.mutateTask('j', 'held', (task) => ({
        next: testPolicy('p', 'n1').start(task, jobDoc('j'), 1),
        result: undefined,
      }));
      await clock.advance(1000);
      const log: AccountingLog = { calls: [] };
      const seen: number[] = [];
      const claim = await store.claimTasksForNode(
        counting('N1', log),
        { now: clock.now(), freeSlots: (node) => (seen.push(serverFree(node)), serverFree(node)) },
        testPolicy('p', 'n1'),
      );
      assert.ok(claim);
      assert.deepEqual(seen, [3], 'the free slots come from the node as accounted before the claim');
      assert.deepEqual(ids(claim.tasks), ['a', 'b']);
      assert.deepEqual(
        log.calls.map((call) => call.held),
        [
          { tasks: 1, slots: 1 },
          { tasks: 3, slots: 4 },
        ],
        'held tasks are counted before the claim and again after its task writes',
      );
      assert.equal(claim.node.entity.runningTasksCount, 3);
      assert.equal(claim.node.entity.runningTaskSlotsCount, 4);
      assert.deepEqual(await store.getNode('p', 'n1'), claim.node, 'the node as returned is stored');
      const etags = [claim.node, ...claim.tasks].map((doc) => (doc.entity as { eTag?: string }).eTag);
      assert.equal(new Set(etags).size, 3, 'every written document has its own eTag');
      assert.equal(
        (claim.node.entity as { lastModified?: string }).lastModified,
        new Date(clock.now()).toISOString(),
      );
      for (const task of claim.tasks) assert.deepEqual(await store.getTask('j', task.entity.id), task);
    });

    it('writes the node only when its accounting changes it, and claims nothing without free slots', async () => {
      const { store, clock } = ctx;
      await seed(store, { a: {} });
      const stored = await store.getNode('p', 'n1');
      const log: AccountingLog = { calls: [] };
      const none = await store.claimTasksForNode(
        counting('n1', log),
        { now: clock.now(), freeSlots: () => 0 },
        testPolicy('p', 'n1'),
      );
      assert.ok(none);
      assert.deepEqual(none.tasks, []);
      assert.equal(log.calls.length, 1);
      // The fixture node has no counts yet, so the first accounting writes them.
      assert.equal(none.node.entity.runningTasksCount, 0);
      assert.notEqual(
        (none.node.entity as { eTag?: string }).eTag,
        (stored?.entity as { eTag?: string }).eTag,
      );
      const again = await store.claimTasksForNode(
        counting('n1', log),
        { now: clock.now(), freeSlots: () => 0 },
        testPolicy('p', 'n1'),
      );
      assert.deepEqual(again?.node, none.node, 'nothing changed, nothing written');
      assert.deepEqual(await store.getNode('p', 'n1'), none.node);
      assert.equal((await store.getTask('j', 'a'))?.entity.state, 'active');
    });

    it('claims nothing for a node that does not exist', async () => {
      const { store, clock } = ctx;
      await seed(store, { a: {} });
      const log: AccountingLog = { calls: [] };
      const claim = await store.claimTasksForNode(
        counting('ghost', log),
        { now: clock.now(), freeSlots: () => 4 },
        testPolicy('p', 'ghost'),
      );
      assert.equal(claim, undefined);
      assert.equal(log.calls.length, 0);
      assert.equal((await store.getTask('j', 'a'))?.entity.state, 'active');
    });

    it('writes neither the tasks nor the node when the accounting after the claim fails', async () => {
      const { store, clock } = ctx;
      await seed(store, { a: {}, b: {} });
      const before = await store.getNode('p', 'n1');
      const log: AccountingLog = { calls: [] };
      await assert.rejects(
        store.claimTasksForNode(
          counting('n1', log, 2),
          { now: clock.now(), freeSlots: () => 2 },
          testPolicy('p', 'n1'),
        ),
        /accounting failed/,
      );
      assert.equal(log.calls.length, 2);
      assert.deepEqual(await store.getNode('p', 'n1'), before);
      for (const id of ['a', 'b']) {
        const task = await store.getTask('j', id);
        assert.equal(task?.entity.state, 'active', `${id} was not claimed`);
        assert.equal(leaseOf(task), undefined);
      }
      assert.deepEqual(await store.listTasksHeldBy('p', 'n1'), []);
      const retry = await store.claimTasksForNode(
        counting('n1', { calls: [] }),
        { now: clock.now(), freeSlots: () => 2 },
        testPolicy('p', 'n1'),
      );
      assert.deepEqual(ids(retry?.tasks ?? []), ['a', 'b'], 'the tasks are still there to claim');
    });
  });

  describe('completeTask', () => {
    async function claimed(store: Store, now: number, tasks: Record<string, TaskShape>): Promise<void> {
      await seed(store, tasks);
      const claim = await store.claimTasksForNode(
        counting('n1', { calls: [] }),
        { now, freeSlots: serverFree },
        testPolicy('p', 'n1'),
      );
      assert.deepEqual(ids(claim?.tasks ?? []), Object.keys(tasks));
    }

    it('writes the task and accounts the node with it as finished, in one write each', async () => {
      const { store, clock } = ctx;
      await claimed(store, clock.now(), { a: {}, b: { requiredSlots: 2 } });
      await clock.advance(1000);
      const log: AccountingLog = { calls: [] };
      const done = await store.completeTask('J', 'A', (task) => ({ next: finish(task), result: 'ok' }), {
        ...counting('n1', log),
      });
      assert.ok(done?.next && done.node);
      assert.equal(done.result, 'ok');
      assert.deepEqual(log.calls, [{ held: { tasks: 1, slots: 2 }, finished: done.next }]);
      assert.equal(done.node.entity.runningTasksCount, 1, 'the finished task no longer counts');
      assert.equal(done.node.entity.runningTaskSlotsCount, 2);
      assert.equal(done.node.entity.totalTasksRun, 1);
      assert.deepEqual(await store.getTask('j', 'a'), done.next);
      assert.deepEqual(await store.getNode('p', 'n1'), done.node);
      const when = new Date(clock.now()).toISOString();
      const stampA = done.next.entity as { eTag?: string; lastModified?: string };
      const stampN = done.node.entity as { eTag?: string; lastModified?: string };
      assert.equal(stampA.lastModified, when);
      assert.equal(stampN.lastModified, when);
      assert.notEqual(stampA.eTag, stampN.eTag);
      assert.deepEqual(ids(await store.listTasksHeldBy('p', 'n1')), ['b']);
    });

    it('leaves the node alone when the mutator writes nothing, and answers undefined for a missing task', async () => {
      const { store, clock } = ctx;
      await claimed(store, clock.now(), { a: {} });
      const node = await store.getNode('p', 'n1');
      const log: AccountingLog = { calls: [] };
      const skipped = await store.completeTask(
        'j',
        'a',
        () => ({ next: undefined, result: 'stale' }),
        counting('n1', log),
      );
      assert.deepEqual(skipped, { next: undefined, result: 'stale' });
      assert.equal(
        await store.completeTask('j', 'nope', () => assert.fail('no task'), counting('n1', log)),
        undefined,
      );
      assert.equal(log.calls.length, 0);
      assert.deepEqual(await store.getNode('p', 'n1'), node);
      assert.equal((await store.getTask('j', 'a'))?.entity.state, 'running');
    });

    it('writes the task without a node when the node is gone', async () => {
      const { store, clock } = ctx;
      await claimed(store, clock.now(), { a: {} });
      await store.removeNode('p', 'n1');
      const log: AccountingLog = { calls: [] };
      const done = await store.completeTask(
        'j',
        'a',
        (task) => ({ next: finish(task), result: 1 }),
        counting('n1', log),
      );
      assert.equal(done?.node, undefined);
      assert.equal(log.calls.length, 0);
      assert.equal((await store.getTask('j', 'a'))?.entity.state, 'completed');
    });

    it('writes neither the task nor the node when the accounting fails', async () => {
      const { store, clock } = ctx;
      await claimed(store, clock.now(), { a: {} });
      const task = await store.getTask('j', 'a');
      const node = await store.getNode('p', 'n1');
      await assert.rejects(
        store.completeTask(
          'j',
          'a',
          (current) => ({ next: finish(current), result: 1 }),
          counting('n1', { calls: [] }, 1),
        ),
        /accounting failed/,
      );
      assert.deepEqual(await store.getTask('j', 'a'), task, 'the task still runs, with its lease');
      assert.deepEqual(await store.getNode('p', 'n1'), node);
      assert.deepEqual(ids(await store.listTasksHeldBy('p', 'n1')), ['a']);
    });
  });

  describe('hasTasksInStates', () => {
    it('tells whether any task of the job is in one of the states', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('J'));
      await store.insertJob(jobDoc('other'));
      await store.addTasks(
        'J',
        [taskDoc('J', 'a'), taskDoc('J', 'b', { state: 'preparing' })],
        () => undefined,
      );
      await store.addTasks('other', [taskDoc('other', 'r', { state: 'running' })], () => undefined);
      assert.equal(await store.hasTasksInStates('j', ['running', 'preparing']), true);
      assert.equal(await store.hasTasksInStates('j', ['running']), false, 'tasks of other jobs do not count');
      assert.equal(await store.hasTasksInStates('j', ['active']), true);
      assert.equal(await store.hasTasksInStates('j', ['completed']), false);
      assert.equal(await store.hasTasksInStates('j', []), false);
      assert.equal(await store.hasTasksInStates('missing', ['active']), false);
    });
  });
}
