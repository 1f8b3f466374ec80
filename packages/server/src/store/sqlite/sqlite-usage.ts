/** The SQLite side of the usage totals (store/usage-totals.ts). */
import type Database from 'better-sqlite3';
import {
  USAGE_SELECT_COLUMNS,
  usageFromRow,
  usageUpsertSql,
  usageUpsertValues,
  type UsageDelta,
  type UsageRow,
  type UsageTotals,
} from '../usage-totals.js';

export class SqliteUsage {
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(usageUpsertSql(() => '?'));
    this.select = db.prepare(`SELECT ${USAGE_SELECT_COLUMNS} FROM usage_totals WHERE key = ?`);
    this.remove = db.prepare(`DELETE FROM usage_totals WHERE key = ?`);
  }

  /** Adds to every total in one transaction. */
  add(keys: readonly string[], delta: UsageDelta, now: string): void {
    this.db.transaction(() => {
      for (const key of keys) this.upsert.run(...usageUpsertValues(key, delta, now));
    })();
  }

  get(keys: readonly string[]): Map<string, UsageTotals> {
    const totals = new Map<string, UsageTotals>();
    for (const key of keys) {
      const row = this.select.get(key) as UsageRow | undefined;
      if (row !== undefined) totals.set(key, usageFromRow(row));
    }
    return totals;
  }

  delete(key: string): void {
    this.remove.run(key);
  }
}
