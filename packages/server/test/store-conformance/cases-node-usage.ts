/** Conformance: node counts by state and priority, and node-time records (open, close, overlap, persistence). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeDoc } from '../../src/store/documents.js';
import type { CaseContext } from './conformance-cases.js';
import { nodeDoc, poolDoc, T0 } from './fixtures.js';

function nodeIn(poolId: string, id: string, state: string, isDedicated?: boolean): NodeDoc {
  const doc = nodeDoc(poolId, id);
  return {
    ...doc,
    entity: {
      ...doc.entity,
      state: state as NodeDoc['entity']['state'],
      ...(isDedicated === undefined ? {} : { isDedicated }),
    },
  };
}

export function nodeUsageCases(ctx: CaseContext): void {
  describe('node counts and node usage', () => {
    it('counts the nodes of the named pools by state and priority, whatever the id casing', async () => {
      const { store } = ctx;
      for (const id of ['Alpha', 'beta', 'gamma']) await store.insertPool(poolDoc(id));
      await store.insertNode(nodeIn('Alpha', 'n1', 'idle', true));
      await store.insertNode(nodeIn('Alpha', 'n2', 'idle'));
      await store.insertNode(nodeIn('Alpha', 'n3', 'waitingforstarttask', false));
      await store.insertNode(nodeIn('beta', 'n4', 'running', true));
      await store.insertNode(nodeIn('gamma', 'n5', 'idle', true));
      const rows = await store.countNodesByState(['ALPHA', 'beta', 'missing']);
      const sorted = rows
        .map((row) => `${row.poolId}/${row.state}/${row.dedicated ? 'dedicated' : 'low'}/${row.count}`)
        .sort();
      assert.deepEqual(sorted, [
        'Alpha/idle/dedicated/2',
        'Alpha/waitingforstarttask/low/1',
        'beta/running/dedicated/1',
      ]);
      assert.deepEqual(await store.countNodesByState([]), []);
    });

    it('opens one record per stay, closes it, and lists the records overlapping a window', async () => {
      const { store } = ctx;
      const start = { poolId: 'Pool', vmSize: 'standard_d2s_v3', cores: 2 };
      await store.openNodeUsage({ ...start, nodeId: 'n1', startMs: T0 });
      // A node that registers again while its stay is open keeps the first record.
      await store.openNodeUsage({ ...start, nodeId: 'N1', startMs: T0 + 500 });
      await store.openNodeUsage({ ...start, nodeId: 'n2', cores: 4, startMs: T0 + 1000 });
      await store.closeNodeUsage('POOL', 'n1', T0 + 2000);
      await store.closeNodeUsage('pool', 'n1', T0 + 9000); // nothing open any more: no change
      await store.openNodeUsage({ ...start, nodeId: 'n1', startMs: T0 + 3000 });

      const all = await store.listNodeUsage(T0, T0 + 10_000);
      assert.deepEqual(
        all.map((r) => [r.nodeId, r.cores, r.startMs, r.endMs]),
        [
          ['n1', 2, T0, T0 + 2000],
          ['n2', 4, T0 + 1000, undefined],
          ['n1', 2, T0 + 3000, undefined],
        ],
      );
      assert.equal(all[0]?.poolId, 'Pool');
      assert.equal(all[0]?.vmSize, 'standard_d2s_v3');
      // [T0+2000, T0+2500): the first stay ended at its start, the third begins after it.
      assert.deepEqual(
        (await store.listNodeUsage(T0 + 2000, T0 + 2500)).map((r) => r.nodeId),
        ['n2'],
      );
      assert.deepEqual(await store.listNodeUsage(T0 - 100, T0), []);

      const reopened = await ctx.reopen();
      assert.equal((await reopened.listNodeUsage(T0, T0 + 10_000)).length, 3, 'records are durable');
    });
  });
}
