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
  const deadlineAt = pipeline.now() + pipeline.deadlineMs(options);
  const outcome = await pipeline.run(spec.op, spec.request, options, spec.ids);
  if (outcome.ok) return { ...writeResult(outcome.response, outcome.attempts), status: 'created' };
  const { error } = outcome;
  if (error.kind !== 'alreadyExists' || !outcome.ambiguous) throw error;
  const verdict = await verifyExisting(pipeline, spec, options, error, deadlineAt);
  if (verdict.stored === undefined) throw error;
  const entity = verdict.stored as { eTag?: string; lastModified?: string };
  return {
    status: 'existed',
    attempts: outcome.attempts,
    ...(entity.eTag === undefined ? {} : { eTag: entity.eTag }),
    ...(entity.lastModified === undefined ? {} : { lastModified: entity.lastModified }),
  };
}

/** Kinds of a failed read after which reading again may succeed. */
const TRANSIENT_KINDS: ReadonlySet<string> = new Set(['network', 'serverError', 'throttled']);

/**
 * Reads the existing resource through the engine until it is read or the create's deadline (`deadlineAt`, on the
 * engine's clock) ends: a read is safe to repeat, so it has no attempt limit, and a read the budget refused is
 * tried again after a pause. Throws the last `BatchError` when it never could be read.
 */
async function readUntilDeadline(
  pipeline: Pipeline,
  spec: Pick<CreateSpec, 'getOp' | 'resourcePath' | 'ids'>,
  options: CallOptions,
  deadlineAt: number,
): Promise<unknown> {
  const { clock, baseDelayMs } = pipeline.config.policy.options;
  for (;;) {
    const left = deadlineAt - pipeline.now();
    try {
      const read = await pipeline.send(
        spec.getOp,
        { method: 'GET', path: spec.resourcePath, expect: [200], read: 'json' },
        {
          ...options,
          clientRequestId: undefined,
          timeoutMs: Math.max(1, left),
          retry: { ...options.retry, deadlineMs: Math.max(1, left), maxAttempts: Number.POSITIVE_INFINITY },
        },
        spec.ids,
      );
      return read.response?.body;
    } catch (error) {
      const retryable = isBatchError(error) && TRANSIENT_KINDS.has(error.kind);
      if (!retryable || error.giveUpReason === 'deadline') throw error;
      if (deadlineAt - pipeline.now() <= baseDelayMs) throw error;
      await clock.sleep(baseDelayMs, options.signal);
    }
  }
}

/**
 * GETs the existing resource (retried until `deadlineAt`) and compares it with what was sent. Returns the stored
 * entity when it matches; on a mismatch (or when it could not be read before the deadline) sets
 * `conflict.explanation` and returns nothing.
 */
export async function verifyExisting(
  pipeline: Pipeline,
  spec: Pick<CreateSpec, 'getOp' | 'resourcePath' | 'label' | 'sent' | 'ids'>,
  options: CallOptions,
  conflict: BatchError,
  deadlineAt: number,
): Promise<{ stored?: unknown }> {
  let stored: unknown;
  try {
    stored = await readUntilDeadline(pipeline, spec, options, deadlineAt);
  } catch (error) {
    if (!isBatchError(error)) throw error;
    conflict.explanation = `${spec.label} already exists; an earlier attempt's outcome was unknown, but the existing one could not be read to compare before the deadline (${error.code ?? error.kind}, ${error.giveUpReason ?? 'not retryable'})`;
    return {};
  }
  const match = matchesSent(spec.sent, stored);
  if (match.match) return { stored };
  conflict.explanation = `${spec.label} already exists and differs from the one sent (at ${match.mismatchAt ?? '?'}); not accepted as the outcome of the earlier ambiguous attempt`;
  return {};
}
