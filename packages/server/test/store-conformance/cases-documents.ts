/** Conformance: ids, inserts, mutations, eTags, paging, node queries, removal and persistence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeUserRecord } from '../../src/store/documents.js';
import type { Store } from '../../src/store/store.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, nodeDoc, poolDoc, T0, taskDoc, testPolicy } from './fixtures.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The stamp every written entity carries (ComputeNode's wire type omits it, the store writes it anyway). */
function stampOf(doc: { entity: object } | undefined): { eTag?: string; lastModified?: string } {
  return doc?.entity ?? {};
}

/** One mutation per document kind, so atomicity rules are checked on all four. */
async function seedOneOfEach(store: Store): Promise<void> {
  await store.insertPool(poolDoc('p'));
  await store.insertNode(nodeDoc('p', 'n'));
  await store.insertJob(jobDoc('j'));
  await store.addTasks('j', [taskDoc('j', 't')], () => undefined);
}

type Snapshot = Awaited<ReturnType<typeof readOneOfEach>>;

async function readOneOfEach(store: Store) {
  return {
    pool: await store.getPool('p'),
    node: await store.getNode('p', 'n'),
    job: await store.getJob('j'),
    task: await store.getTask('j', 't'),
  };
}

function mutateEach(
  store: Store,
  mutator: (doc: { entity: object }) => never | { next: undefined; result: string },
) {
  return [
    () => store.mutatePool('p', mutator),
    () => store.mutateNode('p', 'n', mutator),
    () => store.mutateJob('j', mutator),
    () => store.mutateTask('j', 't', mutator),
  ];
}

export function documentCases(ctx: CaseContext): void {
  describe('ids', () => {
    it('keeps ids unique case-insensitively and returns the caller casing', async () => {
      const { store } = ctx;
      assert.ok(await store.insertPool(poolDoc('MyPool')));
      assert.equal(await store.insertPool(poolDoc('mypool')), undefined);
      assert.equal((await store.getPool('MYPOOL'))?.entity.id, 'MyPool');
      assert.ok(await store.insertNode(nodeDoc('MyPool', 'Node-A')));
      assert.equal(await store.insertNode(nodeDoc('mypool', 'NODE-a')), undefined);
      assert.equal((await store.getNode('MYPOOL', 'node-a'))?.entity.id, 'Node-A');
      assert.equal((await store.findNode('NODE-A'))?.poolId, 'MyPool');
      assert.ok(await store.insertJob(jobDoc('MyJob')));
      assert.equal(await store.insertJob(jobDoc('myJOB')), undefined);
      assert.equal((await store.getJob('MYJOB'))?.entity.id, 'MyJob');
      await store.addTasks('myjob', [taskDoc('MyJob', 'Task-1')], () => undefined);
      assert.equal((await store.getTask('MYJOB', 'TASK-1'))?.entity.id, 'Task-1');
    });

    it('refuses a duplicate insert and leaves the stored document alone', async () => {
      const { store } = ctx;
      const pool = await store.insertPool(poolDoc('p'));
      const node = await store.insertNode(nodeDoc('p', 'n'));
      const job = await store.insertJob(jobDoc('j', { priority: 1 }));
      await ctx.clock.advance(1000);
      assert.equal(
        await store.insertPool({ ...poolDoc('P'), internal: { nodeDeallocationOption: 'x' } }),
        undefined,
      );
      assert.equal(await store.insertNode(nodeDoc('P', 'N', { slots: 9 })), undefined);
      assert.equal(await store.insertJob(jobDoc('J', { priority: 5 })), undefined);
      assert.deepEqual(await store.getPool('p'), pool);
      assert.deepEqual(await store.getNode('p', 'n'), node);
      assert.deepEqual(await store.getJob('j'), job);
    });
  });

  describe('mutations', () => {
    it('passes the current document and writes the one the callback returns', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('j', { priority: 1 }));
      const mutation = await store.mutateJob('j', (current) => ({
        next: { ...current, entity: { ...current.entity, priority: current.entity.priority! + 1 } },
        result: current.entity.priority,
      }));
      assert.equal(mutation?.result, 1);
      assert.equal(mutation?.next?.entity.priority, 2);
      assert.deepEqual(await store.getJob('j'), mutation?.next);
    });

    it('writes nothing when the callback throws, and rejects with its error', async () => {
      const { store } = ctx;
      await seedOneOfEach(store);
      const before: Snapshot = await readOneOfEach(store);
      const failure = new Error('rule violated');
      for (const mutate of mutateEach(store, () => {
        throw failure;
      })) {
        await assert.rejects(mutate(), (error) => error === failure);
      }
      assert.deepEqual(await readOneOfEach(store), before);
    });

    it('writes nothing and keeps the eTag when the callback returns no next document', async () => {
      const { store } = ctx;
      await seedOneOfEach(store);
      const before = await readOneOfEach(store);
      await ctx.clock.advance(5000);
      for (const mutate of mutateEach(store, () => ({ next: undefined, result: 'nothing' }))) {
        const mutation = await mutate();
        assert.deepEqual(mutation, { next: undefined, result: 'nothing' });
      }
      assert.deepEqual(await readOneOfEach(store), before);
    });

    it('answers undefined for a missing document without calling back', async () => {
      const { store } = ctx;
      await store.insertPool(poolDoc('p'));
      await store.insertJob(jobDoc('j'));
      const never = () => assert.fail('the callback must not run');
      assert.equal(await store.mutatePool('nope', never), undefined);
      assert.equal(await store.mutateNode('p', 'nope', never), undefined);
      assert.equal(await store.mutateJob('nope', never), undefined);
      assert.equal(await store.mutateTask('j', 'nope', never), undefined);
      assert.equal(await store.mutateTask('nope', 'nope', never), undefined);
    });

    it('stamps every write with a new, unique eTag and lastModified from the injected clock', async () => {
      const { store, clock } = ctx;
      const seen = new Set<string>();
      const check = async (doc: { entity: object } | undefined) => {
        const { eTag, lastModified } = stampOf(doc);
        assert.ok(eTag !== undefined, 'written documents carry an eTag');
        assert.match(eTag, /^0x[0-9A-F]+$/);
        assert.ok(!seen.has(eTag), `eTag ${eTag} was issued before`);
        seen.add(eTag);
        assert.equal(lastModified, iso(clock.now()));
        await clock.advance(1234);
      };
      const touch = <D extends { entity: object }>(current: D) => ({
        next: { ...current },
        result: undefined,
      });
      await check(await store.insertPool(poolDoc('p')));
      await check((await store.mutatePool('p', touch))?.next);
      await check(await store.insertNode(nodeDoc('p', 'n')));
      await check((await store.mutateNode('p', 'n', touch))?.next);
      await check(await store.insertJob(jobDoc('j')));
      await check((await store.mutateJob('j', touch))?.next);
      const added = await store.addTasks('j', [taskDoc('j', 'a'), taskDoc('j', 'b')], () => undefined);
      assert.equal(added[0]?.entity.lastModified, added[1]?.entity.lastModified);
      assert.notEqual(added[0]?.entity.eTag, added[1]?.entity.eTag);
      seen.add(added[0]!.entity.eTag!);
      await check(added[1]);
      await check((await store.mutateTask('j', 'a', touch))?.next);
      const [claimed] = await store.claimTasks(
        { poolId: 'p', nodeId: 'n', freeSlots: 1, now: clock.now() },
        testPolicy('p', 'n'),
      );
      await check(claimed);
      assert.deepEqual(await store.getTask('j', 'a'), claimed, 'the claim returns what it stored');
    });
  });

  describe('lists', () => {
    it('lists pools, jobs and nodes in id-key order, a page at a time', async () => {
      const { store } = ctx;
      const names = ['b', 'A', 'D', 'c'];
      for (const id of names) {
        await store.insertPool(poolDoc(id));
        await store.insertJob(jobDoc(id));
        await store.insertNode(nodeDoc('p', id));
      }
      assert.deepEqual(ids(await store.listPools({ limit: 10 })), ['A', 'b', 'c', 'D']);
      assert.deepEqual(ids(await store.listPools({ limit: 2 })), ['A', 'b']);
      assert.deepEqual(ids(await store.listPools({ limit: 2, afterKey: 'b' })), ['c', 'D']);
      assert.deepEqual(ids(await store.listJobs({ limit: 3, afterKey: 'a' })), ['b', 'c', 'D']);
      assert.deepEqual(ids(await store.listJobs({ limit: 3, afterKey: 'd' })), []);
      assert.deepEqual(ids(await store.listNodes('P', { limit: 2, afterKey: 'a' })), ['b', 'c']);
      assert.deepEqual(ids(await store.listNodes('other', { limit: 10 })), []);
    });

    it('orders keys by their bytes, whatever the database locale', async () => {
      const { store } = ctx;
      for (const id of ['a_1', 'a1', 'A0', 'a-1', 'b', 'a.b']) await store.insertJob(jobDoc(id));
      // '-' (0x2d) < '.' (0x2e) < '0' (0x30) < '1' < '_' (0x5f) < 'b'
      assert.deepEqual(ids(await store.listJobs({ limit: 10 })), ['a-1', 'a.b', 'A0', 'a1', 'a_1', 'b']);
      assert.deepEqual(ids(await store.listJobs({ limit: 2, afterKey: 'a0' })), ['a1', 'a_1']);
    });

    it('lists jobs in the given states', async () => {
      const { store } = ctx;
      await store.insertJob(jobDoc('a', { state: 'active' }));
      await store.insertJob(jobDoc('D2', { state: 'deleting' }));
      await store.insertJob(jobDoc('d1', { state: 'deleting' }));
      await store.insertJob(jobDoc('t', { state: 'terminating' }));
      assert.deepEqual(ids(await store.listJobsInStates(['deleting', 'terminating'])), ['d1', 'D2', 't']);
      assert.deepEqual(ids(await store.listJobsInStates(['completed'])), []);
      assert.deepEqual(await store.listJobsInStates([]), []);
      await store.mutateJob('a', (job) => ({
        next: { ...job, entity: { ...job.entity, state: 'deleting' } },
        result: 0,
      }));
      assert.deepEqual(
        ids(await store.listJobsInStates(['deleting'])),
        ['a', 'd1', 'D2'],
        'state column follows writes',
      );
    });
  });

  describe('nodes', () => {
    it('finds nodes by id alone, lists every node, and the ones whose lease expired', async () => {
      const { store } = ctx;
      await store.insertNode(nodeDoc('p2', 'n3', { leaseExpiresAt: T0 - 1 }));
      await store.insertNode(nodeDoc('p1', 'N2', { leaseExpiresAt: T0 }));
      await store.insertNode(nodeDoc('p1', 'n1', { leaseExpiresAt: T0 - 10 }));
      await store.insertNode(nodeDoc('p1', 'n4'));
      const offline = nodeDoc('p2', 'n5', { leaseExpiresAt: T0 - 10 });
      await store.insertNode({ ...offline, entity: { ...offline.entity, state: 'offline' } });
      assert.equal((await store.findNode('n2'))?.entity.id, 'N2');
      assert.equal((await store.findNode('n3'))?.poolId, 'p2');
      assert.equal(await store.findNode('none'), undefined);
      assert.deepEqual(ids(await store.listAllNodes()), ['n1', 'N2', 'n4', 'n3', 'n5']);
      assert.deepEqual(ids(await store.listNodesWithExpiredLease(T0)), ['n1', 'n3']);
      await store.mutateNode('p1', 'n1', (node) => ({
        next: { ...node, internal: { ...node.internal, leaseExpiresAt: T0 + 60_000 } },
        result: undefined,
      }));
      assert.deepEqual(
        ids(await store.listNodesWithExpiredLease(T0 + 1)),
        ['N2', 'n3'],
        'a renewed lease counts',
      );
    });

    it('removes a pool with its nodes, and single nodes', async () => {
      const { store } = ctx;
      await store.insertPool(poolDoc('p1'));
      await store.insertPool(poolDoc('p2'));
      for (const id of ['a', 'b']) await store.insertNode(nodeDoc('p1', id));
      await store.insertNode(nodeDoc('p2', 'c'));
      await store.insertNode(nodeDoc('p2', 'd'));
      await store.removePool('P1');
      assert.equal(await store.getPool('p1'), undefined);
      assert.deepEqual(ids(await store.listAllNodes()), ['c', 'd']);
      await store.removeNode('P2', 'C');
      assert.deepEqual(ids(await store.listAllNodes()), ['d']);
      assert.ok(await store.insertNode(nodeDoc('p1', 'a')), 'a removed node id can be used again');
    });

    it('keeps node user records (never a password) through mutations and lookups', async () => {
      const { store } = ctx;
      await store.insertPool(poolDoc('p'));
      await store.insertNode(nodeDoc('p', 'n', { manageUsers: true }));
      const alice: NodeUserRecord = {
        ...{ name: 'alice', isAdmin: true, expiryTime: iso(T0 + 86_400_000) },
        ...{ hasPassword: true, hasSshPublicKey: false, status: 'adding' },
      };
      const added = await store.mutateNode('p', 'n', (current) => ({
        next: { ...current, internal: { ...current.internal, users: [alice] } },
        result: undefined,
      }));
      assert.deepEqual(added?.next?.internal.users, [alice]);
      // A duplicate name is refused inside the read-check-write: the second add sees the first.
      const duplicate = await store.mutateNode('p', 'n', (current) =>
        (current.internal.users ?? []).some((user) => user.name === 'alice')
          ? { next: undefined, result: 'exists' }
          : { next: current, result: 'added' },
      );
      assert.equal(duplicate?.result, 'exists');
      await store.mutateNode('p', 'n', (current) => ({
        next: { ...current, internal: { ...current.internal, users: [{ ...alice, status: 'present' }] } },
        result: undefined,
      }));
      for (const node of [await store.getNode('P', 'N'), await store.findNode('n')]) {
        assert.equal(node?.internal.manageUsers, true);
        assert.deepEqual(node?.internal.users, [{ ...alice, status: 'present' }]);
      }
      assert.deepEqual(
        (await store.listNodes('p', { limit: 10 }))[0]?.internal.users?.[0]?.status,
        'present',
      );
    });
  });

  describe('durability', () => {
    it('keeps everything across close and reopen, and the eTag sequence continues', async () => {
      const { store, clock } = ctx;
      await seedOneOfEach(store);
      const before = await readOneOfEach(store);
      await store.close();
      const reopened = await ctx.reopen();
      const after = await readOneOfEach(reopened);
      assert.deepEqual(after, before);
      assert.equal((await reopened.countTasks('j')).active, 1);
      const fresh = await reopened.insertJob(jobDoc('k'));
      const etags = Object.values(before).map((doc) => stampOf(doc).eTag);
      assert.ok(!etags.includes(fresh?.entity.eTag), 'no eTag is issued twice, even after a restart');
      assert.equal(fresh?.entity.lastModified, iso(clock.now()));
    });
  });
}
