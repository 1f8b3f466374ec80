/**
 * Dependency ranges in PostgreSQL, as in sqlite-task-ranges.ts: an expression index maps each task key that is a
 * canonical decimal number to that number, so a range is counted over the tasks that exist, never walked.
 * A failed parent's `satisfiesDependents` is read from its document only for failed completed tasks.
 */
import {
  rangeSatisfied,
  rangeWidth,
  type TaskRangeSelection,
  type TaskRangeSummary,
} from '../task-ranges.js';
import { rowsOf, type Queryable, type Statement } from './postgres-transaction.js';

/** The number a task key stands for, or NULL; the migration's index and every query use this exact text. */
export const POSTGRES_TASK_NUMBER = `(CASE WHEN key ~ '^(0|[1-9][0-9]{0,9})$' THEN key::bigint END)`;

const SATISFIES = `COALESCE((doc::json #>> '{internal,satisfiesDependents}') = 'true', false)`;
const IN_RANGE = `job_key = $1 AND ${POSTGRES_TASK_NUMBER} BETWEEN $2::bigint AND $3::bigint`;
const FAILED = `state = 'completed' AND result IS DISTINCT FROM 'success'`;

interface Counts {
  present: number;
  succeeded: number;
  failed: number;
}

function statement(name: string, text: string): Statement {
  return Object.freeze({ name: `batchite_range_${name}`, text });
}

function ids(name: string, where: string): Statement {
  return statement(
    name,
    `SELECT ${POSTGRES_TASK_NUMBER}::text AS n FROM tasks WHERE ${IN_RANGE} ${where} ORDER BY 1 LIMIT $4`,
  );
}

const RANGE_SQL = Object.freeze({
  counts: statement(
    'counts',
    `SELECT count(*)::int AS present,
       count(*) FILTER (WHERE state = 'completed' AND result = 'success')::int AS succeeded,
       count(*) FILTER (WHERE ${FAILED})::int AS failed
     FROM tasks WHERE ${IN_RANGE}`,
  ),
  satisfyingFailures: statement(
    'satisfying_failures',
    `SELECT count(*)::int AS n FROM tasks WHERE ${IN_RANGE} AND ${FAILED} AND ${SATISFIES}`,
  ),
  present: ids('present', ''),
  open: ids('open', `AND state <> 'completed'`),
  blocking: ids('blocking', `AND ${FAILED} AND NOT ${SATISFIES}`),
});

export async function summarizeRange(
  db: Queryable,
  jobKey: string,
  start: number,
  end: number,
): Promise<TaskRangeSummary> {
  const [counts] = await rowsOf<Counts>(db, RANGE_SQL.counts, [jobKey, start, end]);
  const failed = counts?.failed ?? 0;
  let satisfying = 0;
  if (failed > 0) {
    const [row] = await rowsOf<{ n: number }>(db, RANGE_SQL.satisfyingFailures, [jobKey, start, end]);
    satisfying = row?.n ?? 0;
  }
  return {
    present: counts?.present ?? 0,
    satisfied: (counts?.succeeded ?? 0) + satisfying,
    blocking: failed - satisfying,
  };
}

export async function rangeIsSatisfied(
  db: Queryable,
  jobKey: string,
  start: number,
  end: number,
): Promise<boolean> {
  const [counts] = await rowsOf<Counts>(db, RANGE_SQL.counts, [jobKey, start, end]);
  if (counts === undefined || counts.succeeded + counts.failed !== rangeWidth(start, end)) return false;
  if (counts.failed === 0) return true;
  return rangeSatisfied(await summarizeRange(db, jobKey, start, end), start, end);
}

export async function listRangeIds(
  db: Queryable,
  jobKey: string,
  start: number,
  end: number,
  selection: TaskRangeSelection,
  limit: number,
): Promise<number[]> {
  const rows = await rowsOf<{ n: string }>(db, RANGE_SQL[selection], [jobKey, start, end, limit]);
  return rows.map((row) => Number(row.n));
}
