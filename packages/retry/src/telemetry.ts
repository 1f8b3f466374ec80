/**
 * Hook events and their OpenTelemetry-style attributes (`http.request.resend_count` from the HTTP semantic
 * conventions, `error.type`, plus `retry.*`). Hooks are observers: one that throws (or rejects) is ignored, so
 * telemetry can never change the outcome of a call.
 */
import { describeError } from './error-facts.js';
import type { AttemptRecord, GiveUpEvent, GiveUpReason, RetryDecision, RetryEvent } from './types.js';

/** Low-cardinality error type: the code, else the HTTP status, else the error's name. */
export function errorType(record: AttemptRecord | undefined, error: unknown): string {
  if (record?.code !== undefined) return record.code;
  if (record?.status !== undefined) return String(record.status);
  if (error instanceof Error) return error.name;
  return error === undefined ? '_OTHER' : describeError(error);
}

export function retryEvent(record: AttemptRecord, error: unknown, delayMs: number): RetryEvent {
  const decision: RetryDecision = record.decision;
  return {
    attempt: record.attempt,
    delayMs,
    error,
    decision,
    attributes: {
      'http.request.resend_count': record.attempt,
      'retry.attempt': record.attempt,
      'retry.decision': decision.kind,
      'retry.reason': decision.reason,
      'retry.delay_ms': delayMs,
      'error.type': errorType(record, error),
    },
  };
}

export function giveUpEvent(
  reason: GiveUpReason,
  error: unknown,
  history: readonly AttemptRecord[],
): GiveUpEvent {
  const last = history.at(-1);
  const attributes: Record<string, string | number> = {
    'retry.give_up_reason': reason,
    'retry.attempts': history.length,
    'http.request.resend_count': Math.max(0, history.length - 1),
    'error.type': errorType(last, error),
  };
  if (last !== undefined) attributes['retry.reason'] = last.decision.reason;
  return { reason, error, history, attributes };
}

/** Calls every hook with the event; a hook's exception or rejection is swallowed. */
export function emit<E>(hooks: ReadonlyArray<(event: E) => void>, event: E): void {
  for (const hook of hooks) {
    try {
      const result = hook(event) as unknown;
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, () => undefined);
      }
    } catch {
      // An observer must not turn a retry into a failure.
    }
  }
}
