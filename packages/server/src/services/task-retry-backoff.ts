/**
 * Batchite extension, off by default and invisible to Azure clients: a pause before a failed task is retried,
 * so a task that fails fast is not rerun in a tight loop. Azure Batch retries at once; Batchite does too unless
 * the job carries this metadata item (metadata is plain user data to Azure clients):
 *
 *   { "name": "batchite.taskRetryBackoff", "value": "{\"initial\":\"PT5S\",\"multiplier\":2,\"max\":\"PT5M\",\"jitter\":\"full\"}" }
 *
 * The wait before retry n is min(max, initial·multiplier^(n-1)), jittered: `full` picks uniformly in
 * [0, wait], `equal` in [wait/2, wait], `none` keeps it exact.
 */
import { parseDuration, type MetadataItem } from '@batchite/protocol';
import type { Random } from '@batchite/retry';

export const TASK_RETRY_BACKOFF_METADATA = 'batchite.taskRetryBackoff';

export interface TaskRetryBackoff {
  initialMs: number;
  multiplier: number;
  maxMs: number;
  jitter: 'full' | 'equal' | 'none';
}

export const DEFAULT_TASK_RETRY_BACKOFF: Readonly<TaskRetryBackoff> = Object.freeze({
  initialMs: 5_000,
  multiplier: 2,
  maxMs: 300_000,
  jitter: 'full',
});

/** Reads the setting from job metadata; undefined when absent or malformed (then retries are immediate). */
export function taskRetryBackoffOf(
  metadata: readonly MetadataItem[] | undefined,
): TaskRetryBackoff | undefined {
  const item = metadata?.find((entry) => entry.name === TASK_RETRY_BACKOFF_METADATA);
  if (item === undefined) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(item.value) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const defaults = DEFAULT_TASK_RETRY_BACKOFF;
  const initialMs = typeof raw.initial === 'string' ? parseDuration(raw.initial) : defaults.initialMs;
  const maxMs = typeof raw.max === 'string' ? parseDuration(raw.max) : defaults.maxMs;
  const multiplier =
    typeof raw.multiplier === 'number' && raw.multiplier >= 1 ? raw.multiplier : defaults.multiplier;
  const jitter =
    raw.jitter === 'none' || raw.jitter === 'equal' || raw.jitter === 'full' ? raw.jitter : defaults.jitter;
  if (initialMs === undefined || maxMs === undefined) return undefined;
  return { initialMs, maxMs, multiplier, jitter };
}

/** The wait before retry number `retry` (1 for the first retry). */
export function taskRetryDelay(backoff: TaskRetryBackoff, retry: number, random: Random): number {
  const wait = Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** Math.max(0, retry - 1));
  switch (backoff.jitter) {
    case 'none':
      return Math.round(wait);
    case 'equal':
      return Math.round(wait / 2 + (random() * wait) / 2);
    case 'full':
      return Math.round(random() * wait);
  }
}
