/** PostgreSQL only: migrations at open, under an advisory lock, and opening through `openStore`. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { Client } from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/postgres-migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { jobDoc, T0 } from './fixtures.js';
import { emptyTestDatabase, type TestDatabase } from './pg-harness.js';

async function query<R>(url: string, sql: string): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

describe('PostgresStore migrations', () => {
  const databases: TestDatabase[] = [];
  const fresh = async (label: string) => {
    const database = await emptyTestDatabase(label);
    databases.push(database);
    return database;
  };
  after(() => Promise.all(databases.map((database) => database.drop())));

  it('numbers migrations 1, 2, 3, … without gaps', () => {
    assert.deepEqual(
      POSTGRES_MIGRATIONS.map((m) => m.version),
      POSTGRES_MIGRATIONS.map((_, i) => i + 1),
    );
  });

  it('lets servers started together on a fresh database both open it, migrating once', async () => {
    const { url } = await fresh('migrate');
    const clock = new FakeClock(T0);
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(url, clock)));
    try {
      const rows = await query<{ version: number; applied_at_ms: string }>(
        url,
        'SELECT version, applied_at_ms FROM batchite_migrations ORDER BY version',
      );
      assert.deepEqual(
        rows.map((row) => row.version),
        POSTGRES_MIGRATIONS.map((m) => m.version),
      );
      assert.equal(Number(rows[0]?.applied_at_ms), T0, 'the time comes from the injected clock');
      assert.ok(await stores[0]!.insertJob(jobDoc('j')));
      assert.equal((await stores[3]!.getJob('j'))?.entity.id, 'j', 'all of them use the one schema');
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('refuses a database migrated by a newer Batchite', async () => {
    const { url } = await fresh('newer');
    await (await PostgresStore.open(url, new FakeClock(T0))).close();
    await query(url, 'INSERT INTO batchite_migrations (version, applied_at_ms) VALUES (999, 0)');
    await assert.rejects(PostgresStore.open(url, new FakeClock(T0)), /schema version 999, newer than/);
  });

  it('opens postgres:// URLs through openStore, and never shows the password', async () => {
    const { url } = await fresh('open');
    const withPassword = new URL(url);
    withPassword.password = 'sekrit'; // trust authentication ignores it
    const store = await openStore(withPassword.toString(), new FakeClock(T0));
    try {
      assert.ok(store instanceof PostgresStore);
      assert.doesNotMatch(store.description, /sekrit/);
      assert.match(store.description, /^postgres:\/\/.*\/batchite_test_open_/);
    } finally {
      await store.close();
    }
  });
});
