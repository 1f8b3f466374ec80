/**
 * Resource usage summed over task runs, kept apart from the documents so that sums outlive what they were taken
 * over: a job's totals (all its runs, including tasks since deleted), a pool's, and the account's, which no
 * delete ever removes (Batch's lifetime statistics). Each total is one row of counters that runs add to in a
 * single statement, so concurrent completions never lose an addition.
 */

/** Counters one finished run adds to every total it belongs to. All non-negative integers. */
export interface UsageDelta {
  wallClockMs: number;
  userCpuMs: number;
  kernelCpuMs: number;
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
  /** 1 when the run completed the task with success (exit code 0), else 0. */
  succeeded: number;
  /** 1 when the run completed the task with a failure (no retries left), else 0. */
  failed: number;
  /** 1 when the run failed and the task goes back to active for a retry, else 0. */
  retries: number;
  /** When the run completed its task: the task's wait (creation to the start of this last run), else 0. */
  waitMs: number;
}

export interface UsageTotals extends UsageDelta {
  /** ISO-8601: when the first run was added. */
  startTime: string;
  /** ISO-8601: when the latest run was added. */
  lastUpdateTime: string;
}

/** The counters in column order (the adapters' statements are built from this list). */
export const USAGE_COUNTERS = Object.freeze([
  ['wallClockMs', 'wall_ms'],
  ['userCpuMs', 'user_cpu_ms'],
  ['kernelCpuMs', 'kernel_cpu_ms'],
  ['readBytes', 'read_bytes'],
  ['writeBytes', 'write_bytes'],
  ['readOps', 'read_ops'],
  ['writeOps', 'write_ops'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['retries', 'retries'],
  ['waitMs', 'wait_ms'],
] as const satisfies readonly (readonly [keyof UsageDelta, string])[]);

export const EMPTY_USAGE: Readonly<UsageDelta> = Object.freeze({
  wallClockMs: 0,
  userCpuMs: 0,
  kernelCpuMs: 0,
  readBytes: 0,
  writeBytes: 0,
  readOps: 0,
  writeOps: 0,
  succeeded: 0,
  failed: 0,
  retries: 0,
  waitMs: 0,
});

/** The account's total: never removed. */
export const ACCOUNT_USAGE_KEY = 'account';

/**
 * A job's, job schedule's or pool's total. The creation time is part of the key, so a job created again with a deleted job's id
 * starts from zero even if a late run of the old one was added after its delete.
 */
export function resourceUsageKey(
  kind: 'job' | 'schedule' | 'pool',
  id: string,
  creationTime: string | undefined,
): string {
  return `${kind}/${id.toLowerCase()}/${creationTime ?? ''}`;
}

/** The column list and an `INSERT … ON CONFLICT DO UPDATE` adding every counter (SQLite and PostgreSQL alike). */
export function usageUpsertSql(placeholder: (index: number) => string): string {
  const columns = USAGE_COUNTERS.map(([, column]) => column);
  const values = ['key', 'start_time', 'last_update', ...columns].map((_, index) => placeholder(index + 1));
  const adds = columns.map((column) => `${column} = usage_totals.${column} + excluded.${column}`);
  return `INSERT INTO usage_totals (key, start_time, last_update, ${columns.join(', ')})
    VALUES (${values.join(', ')})
    ON CONFLICT (key) DO UPDATE SET last_update = excluded.last_update, ${adds.join(', ')}`;
}

export function usageUpsertValues(key: string, delta: UsageDelta, now: string): (string | number)[] {
  return [key, now, now, ...USAGE_COUNTERS.map(([field]) => delta[field])];
}

export const USAGE_SELECT_COLUMNS = `key, start_time, last_update, ${USAGE_COUNTERS.map(([, c]) => c).join(', ')}`;

/** A row as either database returns it (PostgreSQL returns BIGINT as a string). */
export type UsageRow = Record<string, string | number | null>;

export function usageFromRow(row: UsageRow): UsageTotals {
  const totals: UsageTotals = {
    ...EMPTY_USAGE,
    startTime: String(row.start_time),
    lastUpdateTime: String(row.last_update),
  };
  for (const [field, column] of USAGE_COUNTERS) totals[field] = Number(row[column] ?? 0);
  return totals;
}
