/** The store conformance suite over PostgreSQL: one database for this file, emptied before each test. */
import type { Clock } from '@batchite/retry';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { storeConformance } from './conformance-cases.js';
import { cloneTestDatabase, type TestDatabase } from './pg-harness.js';

let database: Promise<TestDatabase> | undefined;
const db = () => (database ??= cloneTestDatabase('conformance'));

storeConformance({
  name: 'postgres',
  async fresh(clock: Clock) {
    const database = await db();
    await database.reset();
    return PostgresStore.open(database.url, clock);
  },
  async reopen(clock: Clock) {
    return PostgresStore.open((await db()).url, clock);
  },
  async dispose() {
    if (database !== undefined) await (await database).drop();
  },
});
