/**
 * Every statement the PostgreSQL adapter runs, named so each connection prepares it once. Time is always a
 * parameter (the injected clock), never `now()`. Locking: `mutate*` and `addTasks` lock their row `FOR UPDATE`;
 * claims lock candidate tasks `FOR UPDATE SKIP LOCKED`, so concurrent claims never wait for, or take, the same
 * task. Locks are always taken node rows first (claims and completions account their node in the same
 * transaction; a gang placement takes all of its pool's node rows, in key order), then job row, then task rows,
 * so transactions cannot deadlock on each other.
 */
import type { Statement } from './postgres-transaction.js';

function statement(name: string, text: string): Statement {
  return Object.freeze({ name: `batchite_${name}`, text });
}

export interface DocRow {
  doc: string;
}

/** A row read for update, with the eTag sequence value its write will carry. */
export interface LockedRow extends DocRow {
  etag: string;
}

export const WORK_CHANNEL = 'batchite_work';

export const SQL = Object.freeze({
  nextEtags: statement(
    'next_etags',
    `SELECT nextval('batchite_etag_seq') AS etag FROM generate_series(1, $1)`,
  ),
  nextTaskNumbers: statement(
    'next_task_numbers',
    `SELECT nextval('batchite_etag_seq') AS etag, nextval('batchite_task_seq') AS seq FROM generate_series(1, $1)`,
  ),
  notifyWork: statement('notify_work', `SELECT pg_notify('${WORK_CHANNEL}', '')`),

  insertPool: statement(
    'insert_pool',
    `INSERT INTO pools (key, doc) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key`,
  ),
  getPool: statement('get_pool', `SELECT doc FROM pools WHERE key = $1`),
  lockPool: statement(
    'lock_pool',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM pools WHERE key = $1 FOR UPDATE`,
  ),
  listPools: statement('list_pools', `SELECT doc FROM pools WHERE key > $1 ORDER BY key LIMIT $2`),
  updatePool: statement('update_pool', `UPDATE pools SET doc = $2 WHERE key = $1`),
  removePool: statement('remove_pool', `DELETE FROM pools WHERE key = $1`),
  removePoolNodes: statement('remove_pool_nodes', `DELETE FROM nodes WHERE pool_key = $1`),

  insertJobSchedule: statement(
    'insert_job_schedule',
    `INSERT INTO job_schedules (key, doc) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key`,
  ),
  getJobSchedule: statement('get_job_schedule', `SELECT doc FROM job_schedules WHERE key = $1`),
  lockJobSchedule: statement(
    'lock_job_schedule',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM job_schedules WHERE key = $1 FOR UPDATE`,
  ),
  listJobSchedules: statement(
    'list_job_schedules',
    `SELECT doc FROM job_schedules WHERE key > $1 ORDER BY key LIMIT $2`,
  ),
  updateJobSchedule: statement('update_job_schedule', `UPDATE job_schedules SET doc = $2 WHERE key = $1`),
  removeJobSchedule: statement('remove_job_schedule', `DELETE FROM job_schedules WHERE key = $1`),

  insertNode: statement(
    'insert_node',
    `INSERT INTO nodes (pool_key, key, lease_expires, doc) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING key`,
  ),
  getNode: statement('get_node', `SELECT doc FROM nodes WHERE pool_key = $1 AND key = $2`),
  lockNode: statement(
    'lock_node',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM nodes WHERE pool_key = $1 AND key = $2 FOR UPDATE`,
  ),
  findNode: statement('find_node', `SELECT doc FROM nodes WHERE key = $1 ORDER BY pool_key LIMIT 1`),
  listNodes: statement(
    'list_nodes',
    `SELECT doc FROM nodes WHERE pool_key = $1 AND key > $2 ORDER BY key LIMIT $3`,
  ),
  allNodes: statement('all_nodes', `SELECT doc FROM nodes ORDER BY pool_key, key`),
  expiredNodes: statement(
    'expired_nodes',
    `SELECT doc FROM nodes WHERE lease_expires IS NOT NULL AND lease_expires < $1 ORDER BY pool_key, key`,
  ),
  updateNode: statement(
    'update_node',
    `UPDATE nodes SET lease_expires = $3, doc = $4 WHERE pool_key = $1 AND key = $2`,
  ),
  removeNode: statement('remove_node', `DELETE FROM nodes WHERE pool_key = $1 AND key = $2`),

  insertJob: statement(
    'insert_job',
    `INSERT INTO jobs (key, state, pool_key, priority, doc) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING key`,
  ),
  getJob: statement('get_job', `SELECT doc FROM jobs WHERE key = $1`),
  lockJob: statement(
    'lock_job',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM jobs WHERE key = $1 FOR UPDATE`,
  ),
  lockJobForTasks: statement('lock_job_for_tasks', `SELECT doc FROM jobs WHERE key = $1 FOR UPDATE`),
  listJobs: statement('list_jobs', `SELECT doc FROM jobs WHERE key > $1 ORDER BY key LIMIT $2`),
  jobsInStates: statement(
    'jobs_in_states',
    `SELECT doc FROM jobs WHERE state = ANY($1::text[]) ORDER BY key`,
  ),
  updateJob: statement(
    'update_job',
    `UPDATE jobs SET state = $2, pool_key = $3, priority = $4, doc = $5 WHERE key = $1`,
  ),
  removeJob: statement('remove_job', `DELETE FROM jobs WHERE key = $1`),
  removeJobTasks: statement('remove_job_tasks', `DELETE FROM tasks WHERE job_key = $1`),

  /** One multi-row insert; RETURNING names the rows that were new. */
  insertTasks: statement(
    'insert_tasks',
    `INSERT INTO tasks (job_key, key, state, result, slots, seq, lease_node, not_before, doc)
     SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::text[],
                              $8::bigint[], $9::text[])
     ON CONFLICT DO NOTHING RETURNING key`,
  ),
  getTask: statement('get_task', `SELECT doc FROM tasks WHERE job_key = $1 AND key = $2`),
  getTasks: statement('get_tasks', `SELECT key, doc FROM tasks WHERE job_key = $1 AND key = ANY($2::text[])`),
  lockTask: statement(
    'lock_task',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM tasks WHERE job_key = $1 AND key = $2 FOR UPDATE`,
  ),
  listTasks: statement(
    'list_tasks',
    `SELECT doc FROM tasks WHERE job_key = $1 AND key > $2 ORDER BY key LIMIT $3`,
  ),
  listTasksInState: statement(
    'list_tasks_in_state',
    `SELECT doc FROM tasks WHERE job_key = $1 AND state = $2 AND key > $3 ORDER BY key LIMIT $4`,
  ),
  tasksHeldBy: statement(
    'tasks_held_by',
    `SELECT doc FROM tasks WHERE lease_node = $1 ORDER BY job_key, key`,
  ),
  updateTask: statement(
    'update_task',
    `UPDATE tasks SET state = $3, result = $4, slots = $5, lease_node = $6, not_before = $7, doc = $8
     WHERE job_key = $1 AND key = $2`,
  ),
  /** Writes many tasks in one statement (the tasks a claim started). */
  updateTasks: statement(
    'update_tasks',
    `UPDATE tasks AS t SET state = v.state, result = v.result, slots = v.slots, lease_node = v.lease_node,
       not_before = v.not_before, doc = v.doc
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bigint[], $8::text[])
       AS v (job_key, key, state, result, slots, lease_node, not_before, doc)
     WHERE t.job_key = v.job_key AND t.key = v.key`,
  ),
  taskInStates: statement(
    'task_in_states',
    `SELECT 1 AS found FROM tasks WHERE job_key = $1 AND state = ANY($2::text[]) LIMIT 1`,
  ),
  /** What a node holds (its accounting), from the tasks whose lease names it. */
  heldCounts: statement(
    'held_counts',
    `SELECT count(*)::int AS tasks, coalesce(sum(slots), 0)::int AS slots FROM tasks WHERE lease_node = $1`,
  ),
  removeTask: statement('remove_task', `DELETE FROM tasks WHERE job_key = $1 AND key = $2`),
  countTasks: statement(
    'count_tasks',
    `SELECT state, result, count(*)::int AS n, sum(slots)::int AS slots FROM tasks WHERE job_key = $1
     GROUP BY state, result`,
  ),
  countAllTasks: statement('count_all_tasks', `SELECT state, count(*)::int AS n FROM tasks GROUP BY state`),

  /** Active jobs of a pool that have an active task whose `notBefore` passed (unlocked; claims lock each). */
  claimableJobs: statement(
    'claimable_jobs',
    `SELECT doc FROM jobs j WHERE pool_key = $1 AND state = 'active' AND EXISTS (
       SELECT 1 FROM tasks t WHERE t.job_key = j.key AND t.state = 'active'
       AND (t.not_before IS NULL OR t.not_before <= $2))
     ORDER BY priority DESC, key`,
  ),
  /** Claims of an unlimited job run side by side; the share lock only holds off job writes (disable, delete). */
  shareClaimJob: statement(
    'share_claim_job',
    `SELECT doc FROM jobs WHERE key = $1 AND pool_key = $2 AND state = 'active' FOR SHARE`,
  ),
  /** A job with a parallel-task limit is claimed from one transaction at a time, so its running count holds. */
  lockClaimJob: statement(
    'lock_claim_job',
    `SELECT doc FROM jobs WHERE key = $1 AND pool_key = $2 AND state = 'active' FOR UPDATE`,
  ),
  runningCount: statement(
    'running_count',
    `SELECT count(*)::int AS n FROM tasks WHERE job_key = $1 AND state IN ('running', 'preparing')`,
  ),
  /** Every node of a pool, locked in key order (gang placements take turns on them, never deadlock). */
  lockPoolNodes: statement(
    'lock_pool_nodes',
    `SELECT doc, nextval('batchite_etag_seq') AS etag FROM nodes WHERE pool_key = $1 ORDER BY key FOR UPDATE`,
  ),
  lockGangCandidates: statement(
    'lock_gang_candidates',
    `SELECT doc FROM tasks WHERE job_key = $1 AND state = 'active' AND (not_before IS NULL OR not_before <= $2)
       AND (doc::jsonb -> 'entity') ? 'multiInstanceSettings'
     ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED`,
  ),
  lockRunnableTasks: statement(
    'lock_runnable_tasks',
    `SELECT doc, seq FROM tasks WHERE job_key = $1 AND state = 'active'
       AND (not_before IS NULL OR not_before <= $2) AND seq > $3
     ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED`,
  ),
});
