/**
 * `GET /nodecounts` (Account_ListPoolNodeCounts): per pool, its dedicated and low-priority nodes per state,
 * counted by the store in one query for a page of pools.
 */
import type { NodeCounts, PoolNodeCounts } from '@batchite/protocol';
import type { NodeStateCount } from '../store/node-usage.js';

/**
 * The `NodeCounts` fields, keyed by the lower-case state they count: those of the newest api-version. Older
 * versions get theirs (`upgradingOS`, `deallocated`, `deallocating` came later) from the api-version table in the
 * protocol (`api-version-differences.ts`), applied when the answer is written.
 */
const COUNT_FIELDS = [
  'creating',
  'idle',
  'offline',
  'preempted',
  'rebooting',
  'reimaging',
  'running',
  'starting',
  'startTaskFailed',
  'leavingPool',
  'unknown',
  'unusable',
  'waitingForStartTask',
  'upgradingOS',
  'deallocated',
  'deallocating',
] as const;

type CountField = (typeof COUNT_FIELDS)[number];

function emptyCounts(fields: readonly CountField[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const field of fields) counts[field] = 0;
  counts['total'] = 0;
  return counts;
}

/**
 * One `PoolNodeCounts` per pool id, in the order given. A node in a state without a field still counts in
 * `total` (none today: Batchite's nodes never take the newer states).
 */
export function poolNodeCounts(
  poolIds: readonly string[],
  rows: readonly NodeStateCount[],
): PoolNodeCounts[] {
  const fields = COUNT_FIELDS;
  const byLowerName = new Map(fields.map((field) => [field.toLowerCase(), field]));
  const byPool = new Map(
    poolIds.map((poolId) => [
      poolId.toLowerCase(),
      { poolId, dedicated: emptyCounts(fields), lowPriority: emptyCounts(fields) },
    ]),
  );
  for (const row of rows) {
    const entry = byPool.get(row.poolId.toLowerCase());
    if (entry === undefined) continue;
    const counts = row.dedicated ? entry.dedicated : entry.lowPriority;
    const field = byLowerName.get(row.state.toLowerCase());
    if (field !== undefined) counts[field] = (counts[field] ?? 0) + row.count;
    counts['total'] = (counts['total'] ?? 0) + row.count;
  }
  return [...byPool.values()].map(({ poolId, dedicated, lowPriority }) => ({
    poolId,
    dedicated: dedicated as unknown as NodeCounts,
    lowPriority: lowPriority as unknown as NodeCounts,
  }));
}
