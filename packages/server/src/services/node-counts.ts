/**
 * `GET /nodecounts` (Account_ListPoolNodeCounts): per pool, its dedicated and low-priority nodes per state,
 * counted by the store in one query for a page of pools.
 */
import type { NodeCounts, PoolNodeCounts } from '@batchite/protocol';
import type { NodeStateCount } from '../store/node-usage.js';

/** The `NodeCounts` fields of every api-version, keyed by the lower-case state they count. */
const BASE_FIELDS = [
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
] as const;
/** `upgradingOS` came with api-version 2023-05-01.17.0, `deallocated`/`deallocating` with 2024-07-01.20.0. */
const VERSIONED_FIELDS = [
  { field: 'upgradingOS', since: '2023-05-01' },
  { field: 'deallocated', since: '2024-07-01' },
  { field: 'deallocating', since: '2024-07-01' },
] as const;

type CountField = (typeof BASE_FIELDS)[number] | (typeof VERSIONED_FIELDS)[number]['field'];

/** The state fields an api-version's `NodeCounts` has (api-versions start with their release date). */
export function nodeCountFields(apiVersion: string): CountField[] {
  const later = VERSIONED_FIELDS.filter(({ since }) => apiVersion.slice(0, 10) >= since);
  return [...BASE_FIELDS, ...later.map(({ field }) => field)];
}

function emptyCounts(fields: readonly CountField[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const field of fields) counts[field] = 0;
  counts['total'] = 0;
  return counts;
}

/**
 * One `PoolNodeCounts` per pool id, in the order given. A node in a state the api-version has no field for
 * (none today: Batchite's nodes never take the newer states) still counts in `total`.
 */
export function poolNodeCounts(
  poolIds: readonly string[],
  rows: readonly NodeStateCount[],
  apiVersion: string,
): PoolNodeCounts[] {
  const fields = nodeCountFields(apiVersion);
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
