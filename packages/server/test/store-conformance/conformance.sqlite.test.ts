/** The store conformance suite over SQLite: a new database file per test in a temp directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@batchite/retry';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeConformance } from './conformance-cases.js';

const dir = mkdtempSync(join(tmpdir(), 'batchite-conformance-'));
let files = 0;
let path = join(dir, 'none.db');

storeConformance({
  name: 'sqlite',
  fresh(clock: Clock) {
    path = join(dir, `store-${++files}.db`);
    return Promise.resolve(new SqliteStore(path, clock));
  },
  reopen(clock: Clock) {
    return Promise.resolve(new SqliteStore(path, clock));
  },
  dispose() {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  },
});
