/**
 * PostgreSQL schema, append-only: never edit a shipped migration, add the next version. `batchite_migrations`
 * records the versions applied; `migrate` runs at open inside one transaction holding an advisory lock, so
 * servers starting together against a fresh database apply each migration exactly once.
 *
 * Same tables and columns as the SQLite schema. Documents are TEXT holding `JSON.stringify` output, not JSONB:
 * JSONB would reorder object keys (wire answers would differ from SQLite's), rejects `\u0000` and lone
 * surrogates that JSON strings may carry, and costs a conversion per write; the columns beside the document are
 * all the database ever queries. Key columns use the "C" collation so `ORDER BY key` and `key > afterKey` compare
 * bytes like SQLite, whatever the database's locale (paging tokens mean the same on both stores).
 */
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './postgres-transaction.js';

import { POSTGRES_TASK_NUMBER } from './postgres-task-ranges.js';

export interface Migration {
  /** 1, 2, 3, … in order; recorded in `batchite_migrations`. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'pools, nodes, jobs, tasks; eTag and task order sequences',
    sql: `
    CREATE SEQUENCE batchite_etag_seq;
    CREATE SEQUENCE batchite_task_seq;
    CREATE TABLE pools (key TEXT COLLATE "C" PRIMARY KEY, doc TEXT NOT NULL);
    CREATE TABLE nodes (
      pool_key TEXT COLLATE "C" NOT NULL,
      key TEXT COLLATE "C" NOT NULL,
      lease_expires BIGINT,
      doc TEXT NOT NULL,
      PRIMARY KEY (pool_key, key)
    );
    CREATE INDEX nodes_by_key ON nodes (key);
    CREATE INDEX nodes_by_lease ON nodes (lease_expires) WHERE lease_expires IS NOT NULL;
    CREATE TABLE jobs (
      key TEXT COLLATE "C" PRIMARY KEY,
      state TEXT NOT NULL,
      pool_key TEXT COLLATE "C",
      priority INTEGER NOT NULL DEFAULT 0,
      doc TEXT NOT NULL
    );
    CREATE INDEX jobs_by_state ON jobs (state);
    CREATE INDEX jobs_by_pool ON jobs (pool_key, state, priority);
    CREATE TABLE tasks (
      job_key TEXT COLLATE "C" NOT NULL,
      key TEXT COLLATE "C" NOT NULL,
      state TEXT NOT NULL,
      result TEXT,
      slots INTEGER NOT NULL,
      seq BIGINT NOT NULL,
      lease_node TEXT COLLATE "C",
      not_before BIGINT,
      doc TEXT NOT NULL,
      PRIMARY KEY (job_key, key)
    );
    CREATE INDEX tasks_by_state ON tasks (job_key, state, key);
    CREATE INDEX tasks_runnable ON tasks (job_key, state, seq);
    CREATE INDEX tasks_by_lease_node ON tasks (lease_node) WHERE lease_node IS NOT NULL;
    `,
  },
  {
    version: 2,
    description: 'tasks by the number their id stands for (dependency ranges)',
    sql: `CREATE INDEX tasks_by_number ON tasks (job_key, ${POSTGRES_TASK_NUMBER}, state, result);`,
  },
  {
    version: 3,
    description: 'job schedules (their jobs live in jobs with ids <scheduleId>:job-<n>)',
    sql: `CREATE TABLE job_schedules (key TEXT COLLATE "C" PRIMARY KEY, doc TEXT NOT NULL);`,
  },
  {
    version: 4,
    description: 'usage totals of jobs, pools and the account (store/usage-totals.ts)',
    sql: `
    CREATE TABLE usage_totals (
    key TEXT COLLATE "C" PRIMARY KEY,
    start_time TEXT NOT NULL,
    last_update TEXT NOT NULL,
    wall_ms BIGINT NOT NULL DEFAULT 0,
    user_cpu_ms BIGINT NOT NULL DEFAULT 0,
    kernel_cpu_ms BIGINT NOT NULL DEFAULT 0,
    read_bytes BIGINT NOT NULL DEFAULT 0,
    write_bytes BIGINT NOT NULL DEFAULT 0,
    read_ops BIGINT NOT NULL DEFAULT 0,
    write_ops BIGINT NOT NULL DEFAULT 0,
    succeeded BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    retries BIGINT NOT NULL DEFAULT 0,
    wait_ms BIGINT NOT NULL DEFAULT 0
    );`,
  },
  {
    version: 5,
    description: 'node time for pool usage metrics: one row per stay of a node in a pool',
    sql: `
    CREATE TABLE node_usage (
      pool_key TEXT COLLATE "C" NOT NULL,
      node_key TEXT COLLATE "C" NOT NULL,
      pool_id TEXT NOT NULL,
      node_id TEXT NOT NULL,
      vm_size TEXT NOT NULL,
      cores INTEGER NOT NULL,
      start_ms BIGINT NOT NULL,
      end_ms BIGINT
    );
    CREATE UNIQUE INDEX node_usage_open ON node_usage (pool_key, node_key) WHERE end_ms IS NULL;
    CREATE INDEX node_usage_by_start ON node_usage (start_ms);
    `,
  },
]);

/** Any constant shared by every Batchite server: advisory lock keys are per database. ('btch' in ASCII.) */
export const MIGRATION_LOCK_KEY = 0x62746368;

/**
 * Applies the migrations the database lacks, in one transaction under `pg_advisory_xact_lock`. A second server
 * waits for the first, then finds nothing left to do. Refuses a database migrated by a newer Batchite.
 * Returns the versions it applied.
 */
export function migrate(pool: Pool, nowMs: number): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = new Set(await appliedVersions(client));
    const newest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0;
    const ahead = [...applied].filter((version) => version > newest);
    if (ahead.length > 0) {
      throw new Error(
        `The database has schema version ${Math.max(...ahead)}, newer than this Batchite knows (${newest}).`,
      );
    }
    const ran: number[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO batchite_migrations (version, applied_at_ms) VALUES ($1, $2)', [
        migration.version,
        nowMs,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}

async function appliedVersions(client: PoolClient): Promise<number[]> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS batchite_migrations (version INTEGER PRIMARY KEY, applied_at_ms BIGINT NOT NULL)',
  );
  const { rows } = await client.query<{ version: number }>('SELECT version FROM batchite_migrations');
  return rows.map((row) => row.version);
}
