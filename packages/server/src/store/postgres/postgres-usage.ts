/** The PostgreSQL side of the usage totals (store/usage-totals.ts). */
import type { Pool } from 'pg';
import { inTransaction, rowsOf, type Statement } from './postgres-transaction.js';
import {
  USAGE_SELECT_COLUMNS,
  usageFromRow,
  usageUpsertSql,
  usageUpsertValues,
  type UsageDelta,
  type UsageRow,
  type UsageTotals,
} from '../usage-totals.js';

const UPSERT: Statement = Object.freeze({
  name: 'batchite_usage_add',
  text: usageUpsertSql((index) => `$${index}`),
});
const SELECT: Statement = Object.freeze({
  name: 'batchite_usage_get',
  text: `SELECT ${USAGE_SELECT_COLUMNS} FROM usage_totals WHERE key = ANY($1)`,
});
const REMOVE: Statement = Object.freeze({
  name: 'batchite_usage_remove',
  text: `DELETE FROM usage_totals WHERE key = $1`,
});

/** Keys in one order for every transaction, so two completions cannot deadlock on each other's rows. */
function ordered(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export async function addPostgresUsage(
  pool: Pool,
  keys: readonly string[],
  delta: UsageDelta,
  now: string,
): Promise<void> {
  await inTransaction(
    pool,
    async (client) => {
      for (const key of ordered(keys)) await rowsOf(client, UPSERT, usageUpsertValues(key, delta, now));
    },
    { waitForDisk: false },
  );
}

export async function getPostgresUsage(
  pool: Pool,
  keys: readonly string[],
): Promise<Map<string, UsageTotals>> {
  const rows = await rowsOf<UsageRow>(pool, SELECT, [[...keys]]);
  return new Map(rows.map((row) => [String(row.key), usageFromRow(row)]));
}

export async function removePostgresUsage(pool: Pool, key: string): Promise<void> {
  await rowsOf(pool, REMOVE, [key]);
}
