/**
 * The store figures of `/metrics`: read at most once per refresh interval however many scrapers ask, and read
 * again once it has passed. A real SQLite store (calls counted on the way through) and a fake clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { StoreSnapshot } from '../src/metrics/store-snapshot.js';
import { jobDoc, nodeDoc, poolDoc, taskDoc } from './store-conformance/fixtures.js';

describe('StoreSnapshot', () => {
  const clock = new FakeClock(1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'batchite-snapshot-'));
  let store: Store;
  let scans = 0;
  let counted: Store;

  before(async () => {
    store = await openStore(`sqlite:${join(dir, 'store.db')}`, clock);
    await store.insertPool(poolDoc('p'));
    await store.insertNode(nodeDoc('p', 'n'));
    await store.insertJob(jobDoc('j'));
    await store.addTasks('j', [taskDoc('j', 'a'), taskDoc('j', 'b')], () => undefined);
    // The real store, with its table scan counted.
    counted = Object.create(store) as Store;
    counted.countAllTasks = () => {
      scans += 1;
      return store.countAllTasks();
    };
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sixteen scrapes at once share one read of the store', async () => {
    const snapshot = new StoreSnapshot(counted, clock, 5_000);
    const all = await Promise.all(Array.from({ length: 16 }, () => snapshot.get()));
    assert.equal(scans, 1);
    assert.equal(all[0]?.tasks.active, 2);
    assert.ok(all.every((figures) => figures === all[0]));
  });

  it('reads again only once the refresh interval has passed, and then sees the changes', async () => {
    scans = 0;
    const snapshot = new StoreSnapshot(counted, clock, 5_000);
    assert.equal((await snapshot.get()).tasks.active, 2);
    await store.addTasks('j', [taskDoc('j', 'c')], () => undefined);
    await clock.advance(4_999);
    assert.equal((await snapshot.get()).tasks.active, 2, 'still the snapshot');
    assert.equal(scans, 1);
    await clock.advance(1);
    assert.equal((await snapshot.get()).tasks.active, 3);
    assert.equal(scans, 2);
  });

  it('a refresh interval of 0 reads on every call', async () => {
    scans = 0;
    const snapshot = new StoreSnapshot(counted, clock, 0);
    await snapshot.get();
    await snapshot.get();
    assert.equal(scans, 2);
  });
});
