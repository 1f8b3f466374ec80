/** Shared test helpers: error factories shaped like real HTTP/fetch failures, scripted operations, settling. */
import type { AttemptContext } from '../src/index.js';

/** An HTTP error as a client would throw it: `statusCode`, optional `code` and lower-case `headers`. */
export function httpError(statusCode: number, code?: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, headers, ...(code ? { code } : {}) });
}

/** What Node's fetch throws on a socket failure: `TypeError('fetch failed')` with `cause.code`. */
export function fetchError(code: string): TypeError {
  const cause = Object.assign(new Error(`socket failure ${code}`), { code });
  return new TypeError('fetch failed', { cause });
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Attaches handlers at once (no unhandled rejection while the fake clock runs) and resolves to the outcome. */
export function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The error of an outcome that must have failed. */
export function failed<T>(outcome: Outcome<T>): unknown {
  if (outcome.ok) throw new Error(`expected a failure, got ${String(outcome.value)}`);
  return outcome.error;
}

/**
 * An operation that fails with each given error in turn, then resolves `value`.
 * `calls` counts invocations; `contexts` keeps every AttemptContext it saw.
 */
export function scripted<T>(errors: unknown[], value: T) {
  const contexts: AttemptContext[] = [];
  const op = {
    calls: 0,
    contexts,
    fn: (ctx: AttemptContext): Promise<T> => {
      op.calls++;
      contexts.push(ctx);
      const error = errors[op.calls - 1] as Error | undefined; // any thrown value, typed for the linter
      return error === undefined ? Promise.resolve(value) : Promise.reject(error);
    },
  };
  return op;
}

/** An operation that never settles on its own; it rejects with the signal's reason only if `honourSignal`. */
export function hanging(honourSignal = true) {
  const op = {
    calls: 0,
    fn: (ctx: AttemptContext): Promise<never> => {
      op.calls++;
      return new Promise<never>((_, reject) => {
        if (honourSignal) ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
      });
    },
  };
  return op;
}
