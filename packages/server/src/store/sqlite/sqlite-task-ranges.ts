/**
 * Dependency ranges in SQLite: an expression index maps each task key that is a canonical decimal number to
 * that number, so a range is counted over the index entries of the tasks that exist (no walk over the width).
 * Counts read the index alone (job, number, state, result); a failed parent's `satisfiesDependents` is read
 * from its document only for failed completed tasks.
 */
import {
  rangeSatisfied,
  rangeWidth,
  type TaskRangeSelection,
  type TaskRangeSummary,
} from '../task-ranges.js';
import type { Query } from './sqlite-statements.js';

/** The number a task key stands for, or NULL; the migration's index and every query use this exact text. */
export const SQLITE_TASK_NUMBER = `(CASE WHEN length(key) BETWEEN 1 AND 10 AND key NOT GLOB '*[^0-9]*'
  AND (key = '0' OR key NOT GLOB '0*') THEN CAST(key AS INTEGER) END)`;

const SATISFIES = `json_extract(doc, '$.internal.satisfiesDependents') IS 1`;
const IN_RANGE = `job_key = ? AND ${SQLITE_TASK_NUMBER} BETWEEN ? AND ?`;
const FAILED = `state = 'completed' AND result IS NOT 'success'`;

type RangeParams = [string, number, number];

export interface RangeStatements {
  counts: Query<RangeParams, { present: number; succeeded: number; failed: number }>;
  satisfyingFailures: Query<RangeParams, { n: number }>;
  ids: Record<TaskRangeSelection, Query<[...RangeParams, number], { n: number }>>;
}

type Prepare = <P extends unknown[], R>(sql: string) => Query<P, R>;

export function prepareRangeStatements(query: Prepare): RangeStatements {
  const ids = (where: string) =>
    query<[...RangeParams, number], { n: number }>(
      `SELECT ${SQLITE_TASK_NUMBER} AS n FROM tasks WHERE ${IN_RANGE} ${where} ORDER BY 1 LIMIT ?`,
    );
  return {
    counts: query(
      `SELECT COUNT(*) AS present,
         COALESCE(SUM(state = 'completed' AND result = 'success'), 0) AS succeeded,
         COALESCE(SUM(${FAILED}), 0) AS failed
       FROM tasks WHERE ${IN_RANGE}`,
    ),
    satisfyingFailures: query(
      `SELECT COUNT(*) AS n FROM tasks WHERE ${IN_RANGE} AND ${FAILED} AND ${SATISFIES}`,
    ),
    ids: {
      present: ids(''),
      open: ids(`AND state <> 'completed'`),
      blocking: ids(`AND ${FAILED} AND NOT ${SATISFIES}`),
    },
  };
}

export function summarizeRange(
  statements: RangeStatements,
  jobKey: string,
  start: number,
  end: number,
): TaskRangeSummary {
  const counts = statements.counts.get(jobKey, start, end) ?? { present: 0, succeeded: 0, failed: 0 };
  const satisfying =
    counts.failed === 0 ? 0 : (statements.satisfyingFailures.get(jobKey, start, end)?.n ?? 0);
  return {
    present: counts.present,
    satisfied: counts.succeeded + satisfying,
    blocking: counts.failed - satisfying,
  };
}

/** Whether the whole range lets dependants run; a range with a missing task fails before any failure is read. */
export function rangeIsSatisfied(
  statements: RangeStatements,
  jobKey: string,
  start: number,
  end: number,
): boolean {
  const counts = statements.counts.get(jobKey, start, end);
  if (counts === undefined || counts.succeeded + counts.failed !== rangeWidth(start, end)) return false;
  return rangeSatisfied(summarizeRange(statements, jobKey, start, end), start, end);
}

export function listRangeIds(
  statements: RangeStatements,
  jobKey: string,
  start: number,
  end: number,
  selection: TaskRangeSelection,
  limit: number,
): number[] {
  return statements.ids[selection].all(jobKey, start, end, limit).map((row) => row.n);
}
