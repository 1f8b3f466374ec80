/** The official `@azure/batch` 10.2.0 client pointed at a local server, with its slow retries shortened or off. */
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import {
  RequestPolicyOptions,
  TokenCredentials,
  exponentialRetryPolicy,
  type RequestPolicy,
  type RequestPolicyFactory,
  type ServiceClientOptions,
  type WebResourceLike,
} from '@azure/ms-rest-js';

/** Where the client sends requests; `TestServer` and the capture server both fit. */
export interface Endpoint {
  readonly url: string;
  readonly accountName: string;
  readonly accountKey: string;
}

/** One request as it left the SDK pipeline (after signing and retries, i.e. as sent on the wire). */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface SdkClientOptions {
  /**
   * `true`: the default ExponentialRetryPolicy is replaced by a fast one (3 attempts, ≈0/270/940 ms; the Azure Batch REST reference).
   * `false`: `noRetryPolicy: true`, so exactly one request per call.
   * @defaultValue true
   */
  retries?: boolean;
  /** Sign with this key instead of the server's. @defaultValue endpoint.accountKey */
  accountKey?: string;
  /** Sign with this account name instead of the server's. @defaultValue endpoint.accountName */
  accountName?: string;
  /** Every request the SDK actually sends is appended here (innermost policy, so retries are counted). */
  sent?: SentRequest[];
  /**
   * Authenticate with this bearer token (`TokenCredentials`, as a job manager uses its
   * AZ_BATCH_AUTHENTICATION_TOKEN) instead of Shared Key.
   */
  bearerToken?: string;
  /** Sign requests with this clock's time (`ocp-date`) instead of the machine's: for servers on a fake clock. */
  now?: () => number;
}

const PROBE_POLICY: RequestPolicy = {
  sendRequest: () => Promise.reject(new Error('probe policy: never sends')),
};

/** Find the default ExponentialRetryPolicy by its class name and swap in a fast one. */
function fastRetries(defaults: RequestPolicyFactory[]): RequestPolicyFactory[] {
  return defaults.map((factory) =>
    factory.create(PROBE_POLICY, new RequestPolicyOptions()).constructor.name === 'ExponentialRetryPolicy'
      ? exponentialRetryPolicy(3, 200, 100, 2000)
      : factory,
  );
}

function recordingPolicy(sent: SentRequest[]): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request: WebResourceLike) => {
        sent.push({ method: request.method, url: request.url, headers: request.headers.rawHeaders() });
        return next.sendRequest(request);
      },
    }),
  };
}

/** Sets `ocp-date` before the Shared Key signer runs, which then keeps it. */
function datePolicy(now: () => number): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request: WebResourceLike) => {
        request.headers.set('ocp-date', new Date(now()).toUTCString());
        return next.sendRequest(request);
      },
    }),
  };
}

export function sdkClient(endpoint: Endpoint, options: SdkClientOptions = {}): BatchServiceClient {
  const retries = options.retries ?? true;
  const sent = options.sent;
  const clientOptions: ServiceClientOptions = {
    noRetryPolicy: !retries,
    requestPolicyFactories: (defaults) => {
      const factories = retries ? fastRetries(defaults) : [...defaults];
      if (sent !== undefined) factories.push(recordingPolicy(sent));
      if (options.now !== undefined) factories.unshift(datePolicy(options.now));
      return factories;
    },
  };
  const credentials =
    options.bearerToken === undefined
      ? new BatchSharedKeyCredentials(
          options.accountName ?? endpoint.accountName,
          options.accountKey ?? endpoint.accountKey,
        )
      : new TokenCredentials(options.bearerToken);
  return new BatchServiceClient(credentials, endpoint.url, clientOptions);
}
