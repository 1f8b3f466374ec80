/** Node counts and node-time records (store/node-usage.ts) in PostgreSQL. */
import { idKey } from '@batchite/protocol';
import type { NodeStateCount, NodeUsageRecord, NodeUsageStart } from '../node-usage.js';
import { rowsOf, type Queryable, type Statement } from './postgres-transaction.js';

function statement(name: string, text: string): Statement {
  return Object.freeze({ name: `batchite_${name}`, text });
}

const SQL = Object.freeze({
  // The state and priority live in the document (TEXT holding JSON); one grouped scan of the page's pools.
  countNodes: statement(
    'count_nodes_by_state',
    `SELECT doc::json->>'poolId' AS pool_id, doc::json->'entity'->>'state' AS state,
     COALESCE(doc::json->'entity'->>'isDedicated', 'true') AS dedicated, COUNT(*)::int AS count
     FROM nodes WHERE pool_key = ANY($1::text[]) GROUP BY pool_key, 1, 2, 3`,
  ),
  openUsage: statement(
    'open_node_usage',
    `INSERT INTO node_usage (pool_key, node_key, pool_id, node_id, vm_size, cores, start_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pool_key, node_key) WHERE end_ms IS NULL DO NOTHING`,
  ),
  closeUsage: statement(
    'close_node_usage',
    `UPDATE node_usage SET end_ms = $1 WHERE pool_key = $2 AND node_key = $3 AND end_ms IS NULL`,
  ),
  listUsage: statement(
    'list_node_usage',
    `SELECT pool_id, node_id, vm_size, cores, start_ms, end_ms FROM node_usage
     WHERE start_ms < $1 AND (end_ms IS NULL OR end_ms > $2) ORDER BY start_ms`,
  ),
});

interface CountRow {
  pool_id: string;
  state: string | null;
  dedicated: string | null;
  count: number;
}

interface UsageRow {
  pool_id: string;
  node_id: string;
  vm_size: string;
  cores: number;
  start_ms: string;
  end_ms: string | null;
}

export async function countNodesByState(
  db: Queryable,
  poolIds: readonly string[],
): Promise<NodeStateCount[]> {
  const rows = await rowsOf<CountRow>(db, SQL.countNodes, [poolIds.map((id) => idKey(id))]);
  return rows.map((row) => ({
    poolId: row.pool_id,
    state: row.state ?? 'unknown',
    dedicated: row.dedicated !== 'false',
    count: row.count,
  }));
}

export async function openNodeUsage(db: Queryable, start: NodeUsageStart): Promise<void> {
  await rowsOf(db, SQL.openUsage, [
    idKey(start.poolId),
    idKey(start.nodeId),
    start.poolId,
    start.nodeId,
    start.vmSize,
    start.cores,
    start.startMs,
  ]);
}

export async function closeNodeUsage(
  db: Queryable,
  poolId: string,
  nodeId: string,
  endMs: number,
): Promise<void> {
  await rowsOf(db, SQL.closeUsage, [endMs, idKey(poolId), idKey(nodeId)]);
}

export async function listNodeUsage(db: Queryable, fromMs: number, toMs: number): Promise<NodeUsageRecord[]> {
  const rows = await rowsOf<UsageRow>(db, SQL.listUsage, [toMs, fromMs]);
  return rows.map((row) => ({
    poolId: row.pool_id,
    nodeId: row.node_id,
    vmSize: row.vm_size,
    cores: row.cores,
    startMs: Number(row.start_ms),
    ...(row.end_ms === null ? {} : { endMs: Number(row.end_ms) }),
  }));
}
