/**
 * Creates with reconciliation: a create is retried like any call, and when a retry gets `…Exists` after an ambiguous
 * earlier attempt, the stored resource is fetched and accepted only if it matches what was sent (verify-then-accept).
 * An `…Exists` without an ambiguous attempt before it is surfaced as `alreadyExists` at once.
 */
import { isBatchError, type BatchError } from '../batch-error.js';
import type { WireRequest } from '../http/transport.js';
import type { OperationName } from '../operation-policies.js';
import type { CallOptions } from '../options.js';
import type { Pipeline } from '../pipeline.js';
import { matchesSent } from '../reconcile.js';
import type { ResourceIds } from '../state-explanations.js';
import { writeResult, type CreateResult } from './common.js';

export interface CreateSpec {
  op: OperationName;
  /** The read used to verify an existing resource. */
  getOp: OperationName;
  /** Path of the created resource (for the verifying GET). */
  resourcePath: string;
  /** `pool p1`, `job j1`, `task t1` — for messages. */
  label: string;
  request: WireRequest;
  sent: object;
  ids: ResourceIds;
}

export async function createWithReconciliation(
  pipeline: Pipeline,
  spec: CreateSpec,
  options: CallOptions,
): Promise<CreateResult> {
  const outcome = await pipeline.run(spec.op, spec.request, options, spec.ids);
  if (outcome.ok) return { ...writeResult(outcome.response, outcome.attempts), status: 'created' };
  const { error } = outcome;
  if (error.kind !== 'alreadyExists' || !outcome.ambiguous) throw error;
  const verdict = await verifyExisting(pipeline, spec, options, error);
  if (verdict.stored === undefined) throw error;
  const entity = verdict.stored as { eTag?: string; lastModified?: string };
  return {
    status: 'existed',
    attempts: outcome.attempts,
    ...(entity.eTag === undefined ? {} : { eTag: entity.eTag }),
    ...(entity.lastModified === undefined ? {} : { lastModified: entity.lastModified }),
  };
}

/**
 * GETs the existing resource and compares it with what was sent. Returns the stored entity when it matches; on a
 * mismatch (or when it cannot be read) sets `conflict.explanation` and returns nothing.
 */
export async function verifyExisting(
  pipeline: Pipeline,
  spec: Pick<CreateSpec, 'getOp' | 'resourcePath' | 'label' | 'sent' | 'ids'>,
  options: CallOptions,
  conflict: BatchError,
): Promise<{ stored?: unknown }> {
  let stored: unknown;
  try {
    const read = await pipeline.send(
      spec.getOp,
      { method: 'GET', path: spec.resourcePath, expect: [200], read: 'json' },
      { ...options, clientRequestId: undefined },
      spec.ids,
    );
    stored = read.response?.body;
  } catch (error) {
    if (!isBatchError(error)) throw error;
    conflict.explanation = `${spec.label} already exists; an earlier attempt's outcome was unknown, but the existing one could not be read to compare (${error.code ?? error.kind})`;
    return {};
  }
  const match = matchesSent(spec.sent, stored);
  if (match.match) return { stored };
  conflict.explanation = `${spec.label} already exists and differs from the one sent (at ${match.mismatchAt ?? '?'}); not accepted as the outcome of the earlier ambiguous attempt`;
  return {};
}
