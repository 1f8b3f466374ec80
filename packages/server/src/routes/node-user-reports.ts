/** Reads the results an agent reports for node user orders (`POST /.batchite/nodes/{n}/users`). */
import type { NodeUserResult } from '@batchite/protocol';
import { apiError, propertyValues } from '../http/api-error.js';

const CODES: ReadonlySet<string> = new Set(['NodeUserExists', 'NodeUserNotFound', 'Failed']);

function malformed(reason: string) {
  return apiError('InvalidPropertyValue', { values: propertyValues('results', undefined, reason) });
}

function toResult(item: unknown): NodeUserResult {
  const entry = (item ?? {}) as Record<string, unknown>;
  if (typeof entry.orderId !== 'string' || typeof entry.ok !== 'boolean') {
    throw malformed('Each result has a string orderId and a boolean ok.');
  }
  const result: NodeUserResult = { orderId: entry.orderId, ok: entry.ok };
  if (typeof entry.code === 'string' && CODES.has(entry.code))
    result.code = entry.code as NodeUserResult['code'];
  if (typeof entry.message === 'string') result.message = entry.message.slice(0, 1000);
  return result;
}

export function toNodeUserResults(value: unknown): NodeUserResult[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw malformed('Expected an array.');
  return value.map(toResult);
}
