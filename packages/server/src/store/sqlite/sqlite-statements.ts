/** Prepared statements and the column values derived from documents (the JSON stays the source of truth). */
import type Database from 'better-sqlite3';
import type { jobColumns, nodeColumns } from '../columns.js';
import { type TaskColumns } from '../columns.js';
import { prepareRangeStatements } from './sqlite-task-ranges.js';

export interface DocRow {
  doc: string;
}

/** The narrow statement shapes this adapter uses; our own types keep the declarations portable. */
export interface Query<P extends unknown[], R> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  iterate(...params: P): IterableIterator<R>;
}

export interface Command<P extends unknown[]> {
  run(...params: P): { changes: number };
}

export function prepareStatements(db: Database.Database) {
  const query = <P extends unknown[], R>(sql: string) => db.prepare(sql) as unknown as Query<P, R>;
  const command = <P extends unknown[]>(sql: string) => db.prepare(sql) as unknown as Command<P>;
  return {
    /** Takes `n` eTag sequence values at once; returns the last. */
    nextEtags: query<[number], { value: number }>(
      `UPDATE meta SET value = value + ? WHERE key = 'etag_seq' RETURNING value`,
    ),
    nextTaskSeq: query<[number], { value: number }>(
      `UPDATE meta SET value = value + ? WHERE key = 'task_seq' RETURNING value`,
    ),

    insertPool: command<[string, string]>(`INSERT OR IGNORE INTO pools (key, doc) VALUES (?, ?)`),
    getPool: query<[string], DocRow>(`SELECT doc FROM pools WHERE key = ?`),
    listPools: query<[string, number], DocRow>(`SELECT doc FROM pools WHERE key > ? ORDER BY key LIMIT ?`),
    updatePool: command<[string, string]>(`UPDATE pools SET doc = ? WHERE key = ?`),
    removePool: command<[string]>(`DELETE FROM pools WHERE key = ?`),

    insertJobSchedule: command<[string, string]>(
      `INSERT OR IGNORE INTO job_schedules (key, doc) VALUES (?, ?)`,
    ),
    getJobSchedule: query<[string], DocRow>(`SELECT doc FROM job_schedules WHERE key = ?`),
    listJobSchedules: query<[string, number], DocRow>(
      `SELECT doc FROM job_schedules WHERE key > ? ORDER BY key LIMIT ?`,
    ),
    updateJobSchedule: command<[string, string]>(`UPDATE job_schedules SET doc = ? WHERE key = ?`),
    removeJobSchedule: command<[string]>(`DELETE FROM job_schedules WHERE key = ?`),

    insertNode: command<[ReturnType<typeof nodeColumns>]>(
      `INSERT OR IGNORE INTO nodes (pool_key, key, lease_expires, doc) VALUES (@pool_key, @key, @lease_expires, @doc)`,
    ),
    getNode: query<[string, string], DocRow>(`SELECT doc FROM nodes WHERE pool_key = ? AND key = ?`),
    listNodes: query<[string, string, number], DocRow>(
      `SELECT doc FROM nodes WHERE pool_key = ? AND key > ? ORDER BY key LIMIT ?`,
    ),
    findNode: query<[string], DocRow>(`SELECT doc FROM nodes WHERE key = ? LIMIT 1`),
    allNodes: query<[], DocRow>(`SELECT doc FROM nodes ORDER BY pool_key, key`),
    expiredNodes: query<[number], DocRow>(
      `SELECT doc FROM nodes WHERE lease_expires IS NOT NULL AND lease_expires < ? ORDER BY pool_key, key`,
    ),
    updateNode: command<[ReturnType<typeof nodeColumns>]>(
      `UPDATE nodes SET lease_expires = @lease_expires, doc = @doc WHERE pool_key = @pool_key AND key = @key`,
    ),
    removeNode: command<[string, string]>(`DELETE FROM nodes WHERE pool_key = ? AND key = ?`),
    removePoolNodes: command<[string]>(`DELETE FROM nodes WHERE pool_key = ?`),

    insertJob: command<[ReturnType<typeof jobColumns>]>(
      `INSERT OR IGNORE INTO jobs (key, state, pool_key, priority, doc) VALUES (@key, @state, @pool_key, @priority, @doc)`,
    ),
    getJob: query<[string], DocRow>(`SELECT doc FROM jobs WHERE key = ?`),
    listJobs: query<[string, number], DocRow>(`SELECT doc FROM jobs WHERE key > ? ORDER BY key LIMIT ?`),
    activePoolJobs: query<[string], DocRow>(
      `SELECT doc FROM jobs WHERE pool_key = ? AND state = 'active' ORDER BY priority DESC, key`,
    ),
    updateJob: command<[ReturnType<typeof jobColumns>]>(
      `UPDATE jobs SET state = @state, pool_key = @pool_key, priority = @priority, doc = @doc WHERE key = @key`,
    ),
    removeJob: command<[string]>(`DELETE FROM jobs WHERE key = ?`),
    removeJobTasks: command<[string]>(`DELETE FROM tasks WHERE job_key = ?`),

    insertTask: command<[TaskColumns & { seq: number }]>(
      `INSERT OR IGNORE INTO tasks (job_key, key, state, result, slots, seq, lease_node, not_before, doc)
       VALUES (@job_key, @key, @state, @result, @slots, @seq, @lease_node, @not_before, @doc)`,
    ),
    getTask: query<[string, string], DocRow>(`SELECT doc FROM tasks WHERE job_key = ? AND key = ?`),
    listTasks: query<[string, string, number], DocRow>(
      `SELECT doc FROM tasks WHERE job_key = ? AND key > ? ORDER BY key LIMIT ?`,
    ),
    listTasksInState: query<[string, string, string, number], DocRow>(
      `SELECT doc FROM tasks WHERE job_key = ? AND state = ? AND key > ? ORDER BY key LIMIT ?`,
    ),
    taskInStates: query<[string, string], { found: number }>(
      `SELECT 1 AS found FROM tasks WHERE job_key = ? AND state IN (SELECT value FROM json_each(?)) LIMIT 1`,
    ),
    runningCount: query<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM tasks WHERE job_key = ? AND state IN ('running', 'preparing')`,
    ),
    runnableTasks: query<[string, number, number], DocRow>(
      `SELECT doc FROM tasks WHERE job_key = ? AND state = 'active'
       AND (not_before IS NULL OR not_before <= ?) ORDER BY seq LIMIT ?`,
    ),
    gangCandidates: query<[string, number, number], DocRow>(
      `SELECT doc FROM tasks WHERE job_key = ? AND state = 'active' AND (not_before IS NULL OR not_before <= ?)
       AND json_extract(doc, '$.entity.multiInstanceSettings') IS NOT NULL ORDER BY seq LIMIT ?`,
    ),
    tasksHeldBy: query<[string], DocRow>(`SELECT doc FROM tasks WHERE lease_node = ?`),
    heldCounts: query<[string], { tasks: number; slots: number }>(
      `SELECT COUNT(*) AS tasks, COALESCE(SUM(slots), 0) AS slots FROM tasks WHERE lease_node = ?`,
    ),
    updateTask: command<[TaskColumns]>(
      `UPDATE tasks SET state = @state, result = @result, slots = @slots, lease_node = @lease_node,
       not_before = @not_before, doc = @doc WHERE job_key = @job_key AND key = @key`,
    ),
    removeTask: command<[string, string]>(`DELETE FROM tasks WHERE job_key = ? AND key = ?`),
    countAllTasks: query<[], { state: string; n: number }>(
      `SELECT state, COUNT(*) AS n FROM tasks GROUP BY state`,
    ),
    countTasks: query<[string], { state: string; result: string | null; n: number; slots: number }>(
      `SELECT state, result, COUNT(*) AS n, SUM(slots) AS slots FROM tasks WHERE job_key = ? GROUP BY state, result`,
    ),
    ranges: prepareRangeStatements(query),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
