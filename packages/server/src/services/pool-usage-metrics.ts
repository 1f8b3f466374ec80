/**
 * `GET /poolusagemetrics` (Pool_ListUsageMetrics): core hours per pool per 30-minute aggregation interval, as
 * Azure Batch aggregates them, computed from the node-time records the store keeps (store/node-usage.ts): each
 * node counts its cores (its task slots) for the part of the interval it spent in the pool. Only complete
 * intervals are reported; unlike Azure, there is no two-hour delay before an interval's metrics are available.
 */
import { formatInstant, idKey, type PoolUsageMetrics } from '@batchite/protocol';
import type { NodeUsageRecord } from '../store/node-usage.js';

/** Azure Batch aggregates usage metrics over 30-minute intervals aligned to the hour. */
export const USAGE_INTERVAL_MS = 30 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface UsageWindow {
  /** Start of the first interval (aligned). */
  fromMs: number;
  /** End of the last interval (aligned, never after the end of the last complete interval). */
  toMs: number;
}

/**
 * The intervals a request covers: those overlapping [starttime, endtime). Without `starttime` or `endtime`
 * they default to the start and end of the last complete interval, as in Azure Batch.
 */
export function usageWindow(nowMs: number, startMs?: number, endMs?: number): UsageWindow {
  const lastEnd = Math.floor(nowMs / USAGE_INTERVAL_MS) * USAGE_INTERVAL_MS;
  const fromMs =
    startMs === undefined
      ? lastEnd - USAGE_INTERVAL_MS
      : Math.floor(startMs / USAGE_INTERVAL_MS) * USAGE_INTERVAL_MS;
  const wanted = endMs === undefined ? lastEnd : Math.ceil(endMs / USAGE_INTERVAL_MS) * USAGE_INTERVAL_MS;
  return { fromMs, toMs: Math.max(fromMs, Math.min(wanted, lastEnd)) };
}

/** An entry with its paging key (interval start, then pool id key). */
export interface KeyedUsage {
  key: string;
  metrics: PoolUsageMetrics;
}

interface Accumulator {
  poolId: string;
  vmSize: string;
  startMs: number;
  coreMs: number;
}

/** Splits each record over the intervals of the window it overlaps and sums core time per pool and interval. */
export function usageMetrics(
  records: readonly NodeUsageRecord[],
  window: UsageWindow,
  nowMs: number,
): KeyedUsage[] {
  const sums = new Map<string, Accumulator>();
  for (const record of records) {
    const from = Math.max(record.startMs, window.fromMs);
    const to = Math.min(record.endMs ?? nowMs, window.toMs);
    let intervalStart = Math.floor(from / USAGE_INTERVAL_MS) * USAGE_INTERVAL_MS;
    for (; intervalStart < to; intervalStart += USAGE_INTERVAL_MS) {
      const spent = Math.min(to, intervalStart + USAGE_INTERVAL_MS) - Math.max(from, intervalStart);
      if (spent <= 0) continue;
      const key = `${String(intervalStart).padStart(16, '0')}/${idKey(record.poolId)}`;
      const sum = sums.get(key) ?? {
        poolId: record.poolId,
        vmSize: record.vmSize,
        startMs: intervalStart,
        coreMs: 0,
      };
      sum.coreMs += spent * record.cores;
      sums.set(key, sum);
    }
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, sum]) => ({
      key,
      metrics: {
        poolId: sum.poolId,
        startTime: formatInstant(sum.startMs),
        endTime: formatInstant(sum.startMs + USAGE_INTERVAL_MS),
        vmSize: sum.vmSize,
        // Rounded to a millionth of a core hour (3.6 core milliseconds): sums of fractions stay readable.
        totalCoreHours: Math.round((sum.coreMs / HOUR_MS) * 1e6) / 1e6,
      },
    }));
}
