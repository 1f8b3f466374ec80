/**
 * SQLite schema, append-only: never edit a shipped migration, add the next one. `PRAGMA user_version` records
 * how many have been applied.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (key, value) VALUES ('etag_seq', 0);
  CREATE TABLE pools (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
  CREATE TABLE nodes (
    pool_key TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_key, key)
  );
  CREATE TABLE jobs (key TEXT PRIMARY KEY, state TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX jobs_by_state ON jobs (state);
  CREATE TABLE tasks (
    job_key TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT,
    slots INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (job_key, key)
  );
  CREATE INDEX tasks_by_state ON tasks (job_key, state, key);
  `,
];
