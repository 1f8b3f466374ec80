/**
 * SQLite schema, append-only: never edit a shipped migration, add the next one. `PRAGMA user_version` records
 * how many have been applied.
 *
 * Documents are JSON; the columns beside them exist only to index, count and schedule:
 * jobs carry their pool and priority, tasks their insertion order (`seq`), the node holding them
 * (`lease_node`) and the earliest time they may run again (`not_before`).
 */
import { SQLITE_TASK_NUMBER } from './sqlite-task-ranges.js';

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (key, value) VALUES ('etag_seq', 0), ('task_seq', 0);
  CREATE TABLE pools (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
  CREATE TABLE nodes (
    pool_key TEXT NOT NULL,
    key TEXT NOT NULL,
    lease_expires INTEGER,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_key, key)
  );
  CREATE TABLE jobs (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    pool_key TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
  );
  CREATE INDEX jobs_by_state ON jobs (state);
  CREATE INDEX jobs_by_pool ON jobs (pool_key, state, priority);
  CREATE TABLE tasks (
    job_key TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT,
    slots INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    lease_node TEXT,
    not_before INTEGER,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_key, key)
  );
  CREATE INDEX tasks_by_state ON tasks (job_key, state, key);
  CREATE INDEX tasks_runnable ON tasks (job_key, state, seq);
  CREATE INDEX tasks_by_lease_node ON tasks (lease_node) WHERE lease_node IS NOT NULL;
  `,
  // Dependency ranges: tasks by the number their id stands for (see sqlite-task-ranges.ts).
  `
  CREATE INDEX tasks_by_number ON tasks (job_key, ${SQLITE_TASK_NUMBER}, state, result);
  `,
  // Job schedules (their jobs live in `jobs` with ids `<scheduleId>:job-<n>`).
  `
  CREATE TABLE job_schedules (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
  `,
  // Usage totals of jobs, pools and the account (store/usage-totals.ts).
  `
  CREATE TABLE usage_totals (
    key TEXT PRIMARY KEY,
    start_time TEXT NOT NULL,
    last_update TEXT NOT NULL,
    wall_ms INTEGER NOT NULL DEFAULT 0,
    user_cpu_ms INTEGER NOT NULL DEFAULT 0,
    kernel_cpu_ms INTEGER NOT NULL DEFAULT 0,
    read_bytes INTEGER NOT NULL DEFAULT 0,
    write_bytes INTEGER NOT NULL DEFAULT 0,
    read_ops INTEGER NOT NULL DEFAULT 0,
    write_ops INTEGER NOT NULL DEFAULT 0,
    succeeded INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    wait_ms INTEGER NOT NULL DEFAULT 0
  );
  `,
  // Node time (pool usage metrics): one row per stay of a node in a pool; end_ms is NULL while it stays.
  `
  CREATE TABLE node_usage (
    pool_key TEXT NOT NULL,
    node_key TEXT NOT NULL,
    pool_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    vm_size TEXT NOT NULL,
    cores INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER
  );
  CREATE UNIQUE INDEX node_usage_open ON node_usage (pool_key, node_key) WHERE end_ms IS NULL;
  CREATE INDEX node_usage_by_start ON node_usage (start_ms);
  `,
];
