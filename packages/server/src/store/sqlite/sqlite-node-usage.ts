/** Node counts and node-time records (store/node-usage.ts) in SQLite. */
import type Database from 'better-sqlite3';
import { idKey } from '@batchite/protocol';
import type { NodeStateCount, NodeUsageRecord, NodeUsageStart } from '../node-usage.js';

interface CountRow {
  pool_id: string;
  state: string | null;
  dedicated: number | null;
  count: number;
}

interface UsageRow {
  pool_id: string;
  node_id: string;
  vm_size: string;
  cores: number;
  start_ms: number;
  end_ms: number | null;
}

export class SqliteNodeUsage {
  private readonly counts: Database.Statement<[string], CountRow>;
  private readonly open: Database.Statement<[Record<string, unknown>]>;
  private readonly close: Database.Statement<[number, string, string]>;
  private readonly overlapping: Database.Statement<[number, number], UsageRow>;

  constructor(db: Database.Database) {
    // The state and priority live in the document; one grouped scan of the page's pools counts them all.
    this.counts = db.prepare(
      `SELECT json_extract(doc, '$.poolId') AS pool_id, json_extract(doc, '$.entity.state') AS state,
       COALESCE(json_extract(doc, '$.entity.isDedicated'), 1) AS dedicated, COUNT(*) AS count
       FROM nodes WHERE pool_key IN (SELECT value FROM json_each(?)) GROUP BY pool_key, 2, 3`,
    );
    this.open = db.prepare(
      `INSERT OR IGNORE INTO node_usage (pool_key, node_key, pool_id, node_id, vm_size, cores, start_ms)
       VALUES (@pool_key, @node_key, @pool_id, @node_id, @vm_size, @cores, @start_ms)`,
    );
    this.close = db.prepare(
      `UPDATE node_usage SET end_ms = ? WHERE pool_key = ? AND node_key = ? AND end_ms IS NULL`,
    );
    this.overlapping = db.prepare(
      `SELECT pool_id, node_id, vm_size, cores, start_ms, end_ms FROM node_usage
       WHERE start_ms < ? AND (end_ms IS NULL OR end_ms > ?) ORDER BY start_ms`,
    );
  }

  countByState(poolIds: readonly string[]): NodeStateCount[] {
    const keys = JSON.stringify(poolIds.map((id) => idKey(id)));
    return this.counts.all(keys).map((row) => ({
      poolId: row.pool_id,
      state: row.state ?? 'unknown',
      dedicated: row.dedicated !== 0,
      count: row.count,
    }));
  }

  openUsage(start: NodeUsageStart): void {
    this.open.run({
      pool_key: idKey(start.poolId),
      node_key: idKey(start.nodeId),
      pool_id: start.poolId,
      node_id: start.nodeId,
      vm_size: start.vmSize,
      cores: start.cores,
      start_ms: start.startMs,
    });
  }

  closeUsage(poolId: string, nodeId: string, endMs: number): void {
    this.close.run(endMs, idKey(poolId), idKey(nodeId));
  }

  list(fromMs: number, toMs: number): NodeUsageRecord[] {
    return this.overlapping.all(toMs, fromMs).map((row) => ({
      poolId: row.pool_id,
      nodeId: row.node_id,
      vmSize: row.vm_size,
      cores: row.cores,
      startMs: row.start_ms,
      ...(row.end_ms === null ? {} : { endMs: row.end_ms }),
    }));
  }
}
