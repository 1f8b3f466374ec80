import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import type { JobDoc, TaskDoc } from '../src/store/documents.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'batchite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function job(id: string): JobDoc {
  return { entity: { id, state: 'active', poolInfo: { poolId: 'p' }, priority: 0 }, internal: {} };
}

function task(jobId: string, id: string): TaskDoc {
  return {
    jobId,
    entity: { id, state: 'active', commandLine: 'x', executionInfo: { retryCount: 0, requeueCount: 0 } },
    internal: {},
  };
}

describe('SqliteStore', () => {
  it('commits execution progress without waiting for the disk and goes back to FULL, also after a failure', async () => {
    const store = new SqliteStore(join(dir, 'sync.db'), new FakeClock(1_700_000_000_000));
    const internals = store as unknown as {
      db: { pragma(source: string, options: { simple: true }): unknown };
      withoutFsync<T>(work: () => T): T;
    };
    const level = () => internals.db.pragma('synchronous', { simple: true });
    assert.equal(level(), 2, 'FULL for everything an API call writes');
    assert.equal(
      internals.withoutFsync(() => level()),
      1,
      'NORMAL inside a progress transaction',
    );
    assert.equal(level(), 2);
    assert.throws(
      () =>
        internals.withoutFsync(() => {
          throw new Error('rolled back');
        }),
      /rolled back/,
    );
    assert.equal(level(), 2, 'FULL again after a failed transaction');
    await store.close();
  });

  it('keeps ids unique case-insensitively and preserves their casing', async () => {
    const store = new SqliteStore(join(dir, 'case.db'), new FakeClock(1_700_000_000_000));
    assert.ok(await store.insertJob(job('MyJob')));
    assert.equal(await store.insertJob(job('myjob')), undefined);
    assert.equal((await store.getJob('MYJOB'))?.entity.id, 'MyJob');
    const added = await store.addTasks(
      'myjob',
      [task('MyJob', 'T1'), task('MyJob', 't1'), task('MyJob', 't2')],
      () => undefined,
    );
    assert.deepEqual(
      added.map((doc) => doc?.entity.id),
      ['T1', undefined, 't2'],
      'a duplicate within one batch is refused',
    );
    await store.close();
  });

  it('stamps a new, unique eTag and lastModified on every write', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const store = new SqliteStore(join(dir, 'etag.db'), clock);
    const first = await store.insertJob(job('j'));
    await clock.advance(1500);
    const second = await store.mutateJob('j', (current) => ({
      next: { ...current, entity: { ...current.entity, priority: 5 } },
      result: 'changed',
    }));
    assert.equal(second?.result, 'changed');
    assert.notEqual(second?.next?.entity.eTag, first?.entity.eTag);
    assert.equal(second?.next?.entity.lastModified, new Date(1_700_000_001_500).toISOString());
    const unchanged = await store.mutateJob('j', () => ({ next: undefined, result: 'nothing' }));
    assert.equal((await store.getJob('j'))?.entity.eTag, second?.next?.entity.eTag, 'no write, no new eTag');
    assert.equal(unchanged?.result, 'nothing');
    await store.close();
  });

  it('rolls back a mutation whose callback throws', async () => {
    const store = new SqliteStore(join(dir, 'rollback.db'), new FakeClock(0));
    await store.insertJob(job('j'));
    await assert.rejects(
      store.mutateJob('j', () => {
        throw new Error('rule violated');
      }),
      /rule violated/,
    );
    await assert.rejects(
      store.addTasks('j', [task('j', 'a')], () => {
        throw new Error('job is completed');
      }),
      /job is completed/,
    );
    assert.deepEqual(await store.listTasks('j', { limit: 10 }), []);
    await store.close();
  });

  it('keeps everything across a reopen of the same file', async () => {
    const path = join(dir, 'reopen.db');
    const first = new SqliteStore(path, new FakeClock(0));
    await first.insertJob(job('j'));
    await first.addTasks('j', [task('j', 'a'), task('j', 'b')], () => undefined);
    const etag = (await first.getTask('j', 'a'))?.entity.eTag;
    await first.close();
    const second = new SqliteStore(path, new FakeClock(0));
    assert.equal((await second.getTask('j', 'a'))?.entity.eTag, etag);
    assert.equal((await second.countTasks('j')).active, 2);
    const third = await second.insertJob(job('k'));
    assert.notEqual(third?.entity.eTag, etag, 'the eTag sequence continues after a restart');
    await second.close();
  });

  it('pages tasks in id order and pushes a state filter down', async () => {
    const store = new SqliteStore(join(dir, 'paging.db'), new FakeClock(0));
    await store.insertJob(job('j'));
    await store.addTasks(
      'j',
      ['c', 'a', 'b', 'd'].map((id) => task('j', id)),
      () => undefined,
    );
    await store.mutateTask('j', 'b', (current) => ({
      next: { ...current, entity: { ...current.entity, state: 'completed' } },
      result: undefined,
    }));
    assert.deepEqual(
      (await store.listTasks('j', { limit: 2 })).map((doc) => doc.entity.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      (await store.listTasks('j', { limit: 2, afterKey: 'b' })).map((doc) => doc.entity.id),
      ['c', 'd'],
    );
    assert.deepEqual(
      (await store.listTasks('j', { limit: 10, state: 'completed' })).map((doc) => doc.entity.id),
      ['b'],
    );
    const counts = await store.countTasks('j');
    assert.equal(counts.active, 3);
    assert.equal(counts.completed, 1);
    await store.close();
  });
});
