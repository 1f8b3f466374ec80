/**
 * Verify-then-accept for creates whose outcome was ambiguous: after a retried create gets `…Exists`, the stored entity
 * is accepted as ours only if every field we sent is there with the same value.
 *
 * Comparison rules (the server fills defaults and normalises some values):
 * - every field of the sent body must match; fields the server added are ignored;
 * - ids compare case-insensitively (Batch ids are case-insensitive), enum-like fields too (the service lower-cases);
 * - ISO-8601 durations compare by length of time (`PT60M` = `PT1H`);
 * - a sent field that is absent from the entity matches only when it is an "empty" value (false, 0, '', [], {});
 * - secrets the service never returns (passwords) are skipped.
 */
import { parseDuration } from '@batchite/protocol';

/** Keys compared case-insensitively wherever they appear. */
const CASE_INSENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'id',
  'poolId',
  'taskIds',
  'start',
  'end',
  'onAllTasksComplete',
  'onTaskFailure',
  'jobAction',
  'dependencyAction',
  'elevationLevel',
  'scope',
  'uploadCondition',
  'poolLifetimeOption',
  'nodeDeallocationOption',
  'computeNodeFillType',
  'workingDirectory',
  'targetNodeCommunicationMode',
]);

/** Keys the service accepts but never returns. */
const WRITE_ONLY_KEYS: ReadonlySet<string> = new Set(['password', 'sshPrivateKey']);

export interface MatchResult {
  match: boolean;
  /** Dotted path of the first field that differs, e.g. `commandLine` or `constraints.maxTaskRetryCount`. */
  mismatchAt?: string;
}

/** True when `stored` contains everything in `sent` (see the module comment for the rules). */
export function matchesSent(sent: unknown, stored: unknown): MatchResult {
  const at = firstMismatch(sent, stored, '', false);
  return at === undefined ? { match: true } : { match: false, mismatchAt: at || '(root)' };
}

function isEmptyValue(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmptyValue);
  return false;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function firstMismatch(sent: unknown, stored: unknown, path: string, caseless: boolean): string | undefined {
  if (sent === undefined) return undefined;
  if (stored === undefined || stored === null) return isEmptyValue(sent) ? undefined : path;
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored) || stored.length !== sent.length) return path;
    for (let i = 0; i < sent.length; i += 1) {
      const found = firstMismatch(sent[i], stored[i], join(path, i), caseless);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof sent === 'object' && sent !== null) {
    if (typeof stored !== 'object' || Array.isArray(stored)) return path;
    for (const [key, value] of Object.entries(sent)) {
      if (WRITE_ONLY_KEYS.has(key)) continue;
      const found = firstMismatch(
        value,
        (stored as Record<string, unknown>)[key],
        join(path, key),
        CASE_INSENSITIVE_KEYS.has(key),
      );
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return scalarEqual(sent, stored, caseless) ? undefined : path;
}

function scalarEqual(sent: unknown, stored: unknown, caseless: boolean): boolean {
  if (sent === stored) return true;
  if (typeof sent !== 'string' || typeof stored !== 'string') return false;
  if (caseless && sent.toLowerCase() === stored.toLowerCase()) return true;
  if (sent.startsWith('P') && stored.startsWith('P')) {
    const a = parseDuration(sent);
    return a !== undefined && a === parseDuration(stored);
  }
  return false;
}
