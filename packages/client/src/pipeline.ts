/**
 * The request pipeline of `BatchClient`: one logical call = one `client-request-id`, every attempt signed afresh and
 * run through the shared `RetryPolicy`; failures come out as `BatchError` with attempts, give-up reason and, for state
 * errors, an explanation. Idempotent writes that converge are reported as done (see operation-policies.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  isAttemptTimeoutError,
  isDeadlineExceededError,
  isRetryError,
  type AttemptContext,
  type RetryError,
  type AttemptRecord,
  type CallRetryOptions,
  type RetryPolicy,
} from '@batchite/retry';
import { BatchError, isBatchError } from './batch-error.js';
import {
  NOT_SENT_CODES,
  sendAttempt,
  type TransportConfig,
  type WireRequest,
  type WireResponse,
} from './http/transport.js';
import { operationPolicy, type OperationName } from './operation-policies.js';
import type { CallOptions } from './options.js';
import { explainStateError, type ResourceIds } from './state-explanations.js';

/** What one logical call ended with, for callers that reconcile (creates) before deciding. */
export type CallOutcome =
  | { ok: true; response: WireResponse; attempts: number; clientRequestId: string }
  | { ok: false; error: BatchError; attempts: number; clientRequestId: string; ambiguous: boolean };

/** Everything a call of this pipeline needs besides the request. */
export interface PipelineConfig {
  transport: TransportConfig;
  policy: RetryPolicy;
  /** Host gate key shared by every call of this client (the endpoint's host). */
  gateKey: string;
  /** Default total time of a call, when set. */
  timeoutMs: number | undefined;
}

/**
 * True when a failed attempt may have been applied by the server: anything except failures that prove the request
 * was not processed (429 throttling at admission, connection refused, DNS). Over-approximating is safe here: it only
 * enables verify-then-accept, which still compares what is stored with what was sent.
 */
export function isAmbiguousFailure(error: unknown): boolean {
  if (isBatchError(error)) {
    if (error.kind === 'network') return error.code === undefined || !NOT_SENT_CODES.has(error.code);
    return error.statusCode !== undefined && error.statusCode >= 500;
  }
  // Attempt timeouts and deadline aborts: the request may be on the server already.
  return isAttemptTimeoutError(error) || isDeadlineExceededError(error);
}

export class Pipeline {
  constructor(readonly config: PipelineConfig) {}

  /** Retry overrides for one call: the caller's, plus signal, deadline and this client's host gate. */
  overrides(options: CallOptions, extra?: CallRetryOptions): CallRetryOptions {
    const timeoutMs = options.timeoutMs ?? this.config.timeoutMs;
    return {
      gateKey: this.config.gateKey,
      ...(timeoutMs === undefined ? {} : { deadlineMs: timeoutMs }),
      ...options.retry,
      ...extra,
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  /** The total time a call with `options` gets: its retry override, its timeout, the client's, or the engine's. */
  deadlineMs(options: CallOptions): number {
    return (
      options.retry?.deadlineMs ??
      options.timeoutMs ??
      this.config.timeoutMs ??
      this.config.policy.options.deadlineMs
    );
  }

  /** Current time on the engine's clock. */
  now(): number {
    return this.config.policy.options.clock.now();
  }

  /** True while the host gate of this client is closed by a server's Retry-After. */
  gateClosed(): boolean {
    return this.config.policy.gate.remainingMs(this.config.gateKey) > 0;
  }

  /** Runs `request` as the operation `op` and settles without throwing `BatchError`s (aborts still reject). */
  async run(
    op: OperationName,
    request: WireRequest,
    options: CallOptions,
    ids: ResourceIds,
  ): Promise<CallOutcome> {
    const clientRequestId = options.clientRequestId ?? randomUUID();
    const state = { attempts: 0, ambiguous: false };
    try {
      const response = await this.config.policy.execute(async (ctx: AttemptContext) => {
        state.attempts = ctx.attempt;
        // Timeouts settle the attempt before the fetch rejects; the engine's history catches those too.
        if (historyAmbiguous(ctx.history)) state.ambiguous = true;
        try {
          return await sendAttempt(this.config.transport, request, {
            signal: ctx.signal,
            remainingMs: ctx.remainingMs,
            clientRequestId,
          });
        } catch (error) {
          if (isAmbiguousFailure(error)) state.ambiguous = true;
          throw error;
        }
      }, this.overrides(options));
      return { ok: true, response, attempts: state.attempts, clientRequestId };
    } catch (thrown) {
      const error = toBatchError(thrown, clientRequestId, this.gateClosed());
      if (error.kind === 'invalidOperation')
        error.explanation = explainStateError(error.code, operationPolicy(op), ids);
      return { ok: false, error, attempts: state.attempts, clientRequestId, ambiguous: state.ambiguous };
    }
  }

  /**
   * Runs `request` and returns the response, or throws `BatchError`. For idempotent writes, a `convergedOn` code after
   * an ambiguous attempt means an earlier attempt already did the work: resolves with `undefined` response headers.
   */
  async send(
    op: OperationName,
    request: WireRequest,
    options: CallOptions,
    ids: ResourceIds,
  ): Promise<{ response: WireResponse | undefined; attempts: number }> {
    const outcome = await this.run(op, request, options, ids);
    if (outcome.ok) return { response: outcome.response, attempts: outcome.attempts };
    const converged = operationPolicy(op).convergedOn ?? [];
    if (outcome.ambiguous && outcome.error.code !== undefined && converged.includes(outcome.error.code)) {
      return { response: undefined, attempts: outcome.attempts };
    }
    throw outcome.error;
  }
}

/**
 * Turns what the engine threw into a `BatchError` carrying attempts, history and give-up reason. An abort is rethrown
 * as the signal's reason (as fetch does), not wrapped; anything that is neither a `RetryError` nor a `BatchError`
 * (a `RetryConfigError`, a bug) is rethrown unchanged.
 */
export function toBatchError(thrown: unknown, clientRequestId: string, gateClosed = false): BatchError {
  if (!isRetryError(thrown)) {
    if (!isBatchError(thrown)) throw thrown;
    thrown.clientRequestId ??= clientRequestId;
    return thrown;
  }
  if (thrown.reason === 'aborted') throw thrown.cause;
  const inner = thrown.lastError;
  const error = isBatchError(inner) ? inner : engineError(thrown, inner, clientRequestId, gateClosed);
  error.clientRequestId ??= clientRequestId;
  error.attempts = thrown.attempts;
  error.giveUpReason = thrown.reason;
  error.history = thrown.history;
  return error;
}

/** A give-up without a `BatchError` behind it: an attempt timeout, the deadline, or the deadline at a closed gate. */
function engineError(
  thrown: RetryError,
  inner: unknown,
  clientRequestId: string,
  gateClosed: boolean,
): BatchError {
  const refused = lastNeverArrived(thrown.history);
  if (isDeadlineExceededError(inner) && refused !== undefined) {
    // The deadline cut a connect short while the host kept refusing: the refusal is why the call failed.
    return new BatchError({
      message: `could not reach the server before the deadline (${refused}; ${inner.message})`,
      kind: 'network',
      code: refused,
      clientRequestId,
      cause: inner,
    });
  }
  if (isAttemptTimeoutError(inner) || isDeadlineExceededError(inner)) {
    return new BatchError({
      message: `no answer in time (${inner.message})`,
      kind: 'network',
      code: inner.code,
      clientRequestId,
      cause: inner,
    });
  }
  return new BatchError({
    message: thrown.message,
    // Stopped by the deadline while the host gate was closed: the server's throttling is why.
    kind: gateClosed && thrown.reason === 'deadline' ? 'throttled' : 'network',
    code: thrown.code,
    clientRequestId,
    cause: inner ?? thrown,
  });
}

/**
 * The code of the never-arrived failures (`ECONNREFUSED`, …) that every earlier attempt ended with, when the last
 * attempt was only cut short by the deadline; undefined when any attempt got further than that.
 */
function lastNeverArrived(history: readonly AttemptRecord[]): string | undefined {
  const answered = history.filter((record) => record.code !== 'RETRY_DEADLINE');
  if (
    answered.length === 0 ||
    !answered.every((r) => r.decision.kind === 'retry' && r.decision.neverArrived === true)
  )
    return undefined;
  return answered.at(-1)?.code;
}

/** True when an earlier attempt in `history` may have been applied (the engine's view: not marked unprocessed). */
export function historyAmbiguous(history: readonly AttemptRecord[]): boolean {
  return history.some((record) => record.decision.kind !== 'fatal' && record.decision.unprocessed !== true);
}

export type { AttemptRecord };
