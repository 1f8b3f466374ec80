/** Conformance: job schedules — case-insensitive ids, eTags, atomic mutations, paging, removal, persistence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobScheduleDoc } from '../../src/store/documents.js';
import type { CaseContext } from './conformance-cases.js';
import { T0 } from './fixtures.js';

function scheduleDoc(id: string, nextDueAt?: number): JobScheduleDoc {
  return {
    entity: {
      id,
      state: 'active',
      schedule: { recurrenceInterval: 'PT1M' },
      jobSpecification: { poolInfo: { poolId: 'p' } },
    },
    internal: { jobCount: 0, ...(nextDueAt === undefined ? {} : { nextDueAt }) },
  };
}

export function jobScheduleCases(ctx: CaseContext): void {
  describe('job schedules', () => {
    it('keeps ids unique case-insensitively, stamps eTag and lastModified, returns the caller casing', async () => {
      const { store } = ctx;
      const stored = await store.insertJobSchedule(scheduleDoc('Nightly', T0));
      assert.ok(stored?.entity.eTag);
      assert.equal(stored.entity.lastModified, new Date(T0).toISOString());
      assert.equal(await store.insertJobSchedule(scheduleDoc('NIGHTLY')), undefined);
      const read = await store.getJobSchedule('nightly');
      assert.equal(read?.entity.id, 'Nightly');
      assert.equal(read.internal.nextDueAt, T0);
      assert.equal(await store.getJobSchedule('other'), undefined);
    });

    it('mutates atomically: a new eTag per write, nothing written on undefined or a throw', async () => {
      const { store, clock } = ctx;
      const first = await store.insertJobSchedule(scheduleDoc('s'));
      await clock.advance(1000);
      const mutation = await store.mutateJobSchedule('S', (doc) => ({
        next: { ...doc, internal: { ...doc.internal, jobCount: doc.internal.jobCount + 1 } },
        result: doc.internal.jobCount,
      }));
      assert.equal(mutation?.result, 0);
      assert.notEqual(mutation?.next?.entity.eTag, first?.entity.eTag);
      assert.equal(mutation?.next?.entity.lastModified, new Date(T0 + 1000).toISOString());
      const kept = await store.getJobSchedule('s');
      assert.equal(kept?.internal.jobCount, 1);
      const none = await store.mutateJobSchedule('s', () => ({ next: undefined, result: 'x' }));
      assert.equal(none?.result, 'x');
      await assert.rejects(
        store.mutateJobSchedule('s', () => {
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.equal((await store.getJobSchedule('s'))?.entity.eTag, kept?.entity.eTag);
      assert.equal(
        await store.mutateJobSchedule('missing', () => ({ next: undefined, result: 1 })),
        undefined,
      );
    });

    it('lists in id-key order, in pages after a key', async () => {
      const { store } = ctx;
      for (const id of ['b', 'A', 'c']) await store.insertJobSchedule(scheduleDoc(id));
      const all = await store.listJobSchedules({ limit: 10 });
      assert.deepEqual(
        all.map((doc) => doc.entity.id),
        ['A', 'b', 'c'],
      );
      const page = await store.listJobSchedules({ afterKey: 'a', limit: 1 });
      assert.deepEqual(
        page.map((doc) => doc.entity.id),
        ['b'],
      );
    });

    it('removes a schedule; it survives reopening the store until then', async () => {
      const { store } = ctx;
      await store.insertJobSchedule(scheduleDoc('kept', T0 + 60_000));
      await store.insertJobSchedule(scheduleDoc('gone'));
      await store.removeJobSchedule('GONE');
      assert.equal(await store.getJobSchedule('gone'), undefined);
      const reopened = await ctx.reopen();
      assert.equal((await reopened.getJobSchedule('kept'))?.internal.nextDueAt, T0 + 60_000);
      assert.equal((await reopened.listJobSchedules({ limit: 10 })).length, 1);
    });
  });
}
