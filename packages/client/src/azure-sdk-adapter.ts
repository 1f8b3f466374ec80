/**
 * Plugs the Batchite retry engine into the official `@azure/batch` 10.x SDK (AutoRest v2 on `@azure/ms-rest-js` 2.x),
 * so its users get the same retry behaviour against real Azure:
 *
 * ```ts
 * new BatchServiceClient(credentials, url, { requestPolicyFactories: batchiteRequestPolicyFactories({ retry }) });
 * ```
 *
 * The returned function removes the SDK's `ExponentialRetryPolicy`, `SystemErrorRetryPolicy` and
 * `ThrottlingRetryPolicy` (which ignore Retry-After, never retry 429 and retry network errors once) and inserts one
 * policy that runs the rest of the pipeline through a `RetryPolicy`. It sits OUTSIDE the signing policy: the SDK
 * signs once, so a retry minutes later would resend a stale `ocp-date`; here every attempt is a fresh clone of the
 * unsigned request and is signed again on its way down.
 *
 * Only structural types are used — no runtime import of `@azure/ms-rest-js` — so the client keeps no runtime deps.
 */
import { RetryPolicy, isRetryError, type RetryOptions } from '@batchite/retry';

/** The parts of ms-rest-js's `HttpHeaders` used here. */
export interface HttpHeadersLike {
  get(name: string): string | undefined;
}

/** The parts of ms-rest-js's `WebResource` used here. */
export interface WebResourceLike {
  url: string;
  headers: HttpHeadersLike;
  abortSignal?: AbortSignalLike;
  clone(): WebResourceLike;
}

export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface HttpOperationResponseLike {
  status: number;
  headers: HttpHeadersLike;
}

export interface RequestPolicyLike {
  sendRequest(request: WebResourceLike): Promise<HttpOperationResponseLike>;
}

export interface RequestPolicyOptionsLike {
  shouldLog(logLevel: number): boolean;
  log(logLevel: number, message: string): void;
}

export interface RequestPolicyFactoryLike {
  create(nextPolicy: RequestPolicyLike, options: RequestPolicyOptionsLike): RequestPolicyLike;
}

export interface AzureSdkAdapterOptions {
  /** Options for a policy of the SDK client's own, or a `RetryPolicy` to share with other clients. */
  retry?: RetryOptions | RetryPolicy;
  /** Host gate key. @defaultValue the request URL's host */
  gateKey?: string;
}

/** Names of the SDK's retry policies that this adapter replaces. */
export const REPLACED_POLICIES: readonly string[] = Object.freeze([
  'ExponentialRetryPolicy',
  'SystemErrorRetryPolicy',
  'ThrottlingRetryPolicy',
]);

const QUIET_OPTIONS: RequestPolicyOptionsLike = { shouldLog: () => false, log: () => undefined };
const NO_NEXT: RequestPolicyLike = { sendRequest: () => Promise.reject(new Error('not connected')) };

/** Class name of the policy a factory creates (the SDK's factories are plain `{ create }` objects). */
export function policyName(factory: RequestPolicyFactoryLike): string {
  try {
    return (factory.create(NO_NEXT, QUIET_OPTIONS) as object).constructor.name;
  } catch {
    return '';
  }
}

/** A response the SDK returned instead of throwing (raw `sendRequest` without an operation spec) that is retryable. */
class RetryableResponseError extends Error {
  override readonly name = 'RetryableResponseError';
  readonly statusCode: number;
  readonly headers: HttpHeadersLike;
  constructor(readonly response: HttpOperationResponseLike) {
    super(`HTTP ${response.status}`);
    this.statusCode = response.status;
    this.headers = response.headers;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Mirrors the SDK request's abort signal (an `AbortSignalLike`) into a real `AbortSignal` for the engine. */
function bridgeSignal(source: AbortSignalLike | undefined): { signal?: AbortSignal; dispose(): void } {
  if (source === undefined) return { dispose: () => undefined };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(new DOMException('The request was aborted', 'AbortError'));
  if (source.aborted) onAbort();
  else source.addEventListener('abort', onAbort);
  return { signal: controller.signal, dispose: () => source.removeEventListener('abort', onAbort) };
}

/** The request policy: every attempt is a fresh clone of the unsigned request, sent down the rest of the pipeline. */
export class BatchiteRetryRequestPolicy implements RequestPolicyLike {
  constructor(
    private readonly next: RequestPolicyLike,
    private readonly policy: RetryPolicy,
    private readonly gateKey?: string,
  ) {}

  async sendRequest(request: WebResourceLike): Promise<HttpOperationResponseLike> {
    const bridge = bridgeSignal(request.abortSignal);
    try {
      return await this.policy.execute(
        async (ctx) => {
          const attempt = request.clone();
          attempt.abortSignal = ctx.signal;
          const response = await this.next.sendRequest(attempt);
          if (isRetryableStatus(response.status)) throw new RetryableResponseError(response);
          return response;
        },
        {
          gateKey: this.gateKey ?? new URL(request.url).host,
          ...(bridge.signal ? { signal: bridge.signal } : {}),
        },
      );
    } catch (error) {
      throw this.#unwrap(error);
    } finally {
      bridge.dispose();
    }
  }

  /** SDK users keep the SDK's own errors (`RestError`, `FetchError`); the give-up facts ride along. */
  #unwrap(error: unknown): unknown {
    if (!isRetryError(error)) return error;
    const last = error.lastError;
    if (last instanceof RetryableResponseError) return last.response;
    const inner = error.reason === 'aborted' ? error.cause : (last ?? error.cause);
    if (typeof inner === 'object' && inner !== null && Object.isExtensible(inner)) {
      Object.defineProperty(inner, 'batchiteRetry', {
        value: { reason: error.reason, attempts: error.attempts, history: error.history },
        configurable: true,
      });
    }
    return inner;
  }
}

/**
 * The `requestPolicyFactories` option for `BatchServiceClient`: drops the SDK's three retry policies and puts one
 * Batchite retry policy right before (outside) the signing policy.
 */
export function batchiteRequestPolicyFactories(
  options: AzureSdkAdapterOptions = {},
): <F extends RequestPolicyFactoryLike>(defaults: F[]) => F[] {
  const policy = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry ?? {});
  const ours: RequestPolicyFactoryLike = {
    create: (next) => new BatchiteRetryRequestPolicy(next, policy, options.gateKey),
  };
  return <F extends RequestPolicyFactoryLike>(defaults: F[]): F[] => {
    const kept = defaults.filter((factory) => !REPLACED_POLICIES.includes(policyName(factory)));
    const signing = kept.findIndex((factory) => policyName(factory) === 'SigningPolicy');
    // Without a signing policy (anonymous credentials) nothing is signed, so the first slot is as good as any.
    const at = signing === -1 ? 0 : signing;
    return [...kept.slice(0, at), ours as F, ...kept.slice(at)];
  };
}
