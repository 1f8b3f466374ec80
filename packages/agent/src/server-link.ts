/**
 * The agent's connection to the server's node API (docs/node-api.md). Every call runs inside ONE retry policy
 * (`@batchite/retry`), so throttling, 5xx, connection refused and server restarts are handled in one place:
 *
 * - each attempt first makes sure the node is registered (a single register request with the pool's join token, shared by
 *   concurrent callers), then sends the call with `Authorization: BatchiteNode <nodeId>:<token>`;
 * - 404 `NodeNotFound` forgets the session, so the next attempt registers again (same node id) and resends;
 * - 403 with a token that a newer registration already replaced is simply resent with the new token; 403 with
 *   the current token means another agent took over this node id: not retryable (the agent shuts down).
 */
import type { CallRetryOptions, Classifier, Clock, RetryPolicy } from '@batchite/retry';
import type { AgentLogger } from './logger.js';
import {
  AGENT_VERSION,
  type ClaimedTask,
  type ClaimResponse,
  type CompleteRequest,
  type CompleteResponse,
  type CompletionReport,
  type HeartbeatResponse,
  type JobTaskReport,
  type LeaseRef,
  type NodeUserOrder,
  type NodeUserResult,
  type NodeUsersResponse,
  type RegisterRequest,
  type RegisterResponse,
  type StartTaskReport,
} from './node-api.js';
import { NodeApiError, postJson, type NodeAuth } from './node-http.js';

export interface ServerLinkOptions {
  serverUrl: string;
  poolId: string;
  /** The pool's join token: the credential of register (and of nothing else). */
  joinToken: string;
  hostname: string;
  /** Slots to ask for at register; absent = the pool's `taskSlotsPerNode`. */
  slots?: number | undefined;
  /** Node id to register under (keeps identity across restarts); absent = the server picks one. */
  nodeId?: string | undefined;
  policy: RetryPolicy;
  clock: Clock;
  /** Limit of one request (a claim adds its long-poll wait on top). */
  requestTimeoutMs: number;
  logger: AgentLogger;
  /** Called after every successful registration (the first and each re-registration). */
  onRegistered?: ((session: RegisterResponse) => void) | undefined;
  /** The node's file server URL, sent at register (remote nodes). */
  fileUrl?: string | undefined;
  /** Declared at register: the agent can create OS users (node user accounts). */
  manageUsers?: boolean | undefined;
}

/** A call that needs a session after `stopRegistering()` and has none. */
export class NodeGoneError extends Error {
  override readonly name = 'NodeGoneError';
  constructor(nodeId: string | undefined) {
    super(`node ${nodeId ?? '(unregistered)'} is shutting down and will not register again`);
  }
}

/** Our own reading of node-API failures; anything it leaves undefined goes to the engine's default table. */
export const nodeApiClassifier: Classifier = (error) => {
  if (error instanceof NodeGoneError) return { kind: 'fatal', reason: 'node-shutting-down' };
  if (error instanceof NodeApiError) {
    if (error.code === 'NodeNotFound') return { kind: 'retry', reason: 'node-not-found', unprocessed: true };
    if (error.statusCode === 403 && error.staleToken) {
      return { kind: 'retry', reason: 'token-replaced', unprocessed: true };
    }
    return undefined;
  }
  if ((error as { code?: unknown }).code === 'InvalidResponseBody') {
    return { kind: 'retry', reason: 'invalid-response-body' };
  }
  // Node's HTTP parser refusing the answer (HPE_…: a proxy's garbage, a cut stream): a transport failure.
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('HPE_'))
    return { kind: 'retry', reason: 'invalid-response' };
  return undefined;
};

/** Cancels a request's timeout once it is answered (shared: `abort()` alone builds a DOMException each time). */
const ANSWERED = Object.freeze(new Error('answered'));

/** An AbortSignal that fires after `ms` on the injected clock; `dispose()` cancels the timer. */
function timeoutSignal(clock: Clock, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = new AbortController();
  clock.sleep(ms, timer.signal).then(
    () => controller.abort(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })),
    () => undefined,
  );
  return { signal: controller.signal, dispose: () => timer.abort(ANSWERED) };
}

export class ServerLink {
  readonly #o: ServerLinkOptions;
  readonly #base: string;
  #session: RegisterResponse | undefined;
  /** The latest registration, kept while a re-registration is under way (its slots and timings still hold). */
  #last: RegisterResponse | undefined;
  #registering: Promise<RegisterResponse> | undefined;
  #nodeId: string | undefined;
  #noMoreRegistrations = false;

  constructor(options: ServerLinkOptions) {
    this.#o = options;
    this.#base = options.serverUrl.replace(/\/+$/, '');
    this.#nodeId = options.nodeId;
  }

  /**
   * From now on, a lost session is not registered again: calls that need one fail (not retried). An agent that
   * is shutting down may still deliver results, but registering again would take its node id away from the
   * agent that replaced it (a restarted server's new local node) and requeue that agent's tasks.
   */
  stopRegistering(): void {
    this.#noMoreRegistrations = true;
  }

  /** The latest successful registration (undefined before the first). */
  get session(): RegisterResponse | undefined {
    return this.#last;
  }

  /** Registers (retried within `overrides`) and returns the session. */
  async connect(overrides: CallRetryOptions = {}): Promise<RegisterResponse> {
    return this.#o.policy.execute(() => this.#ensureSession(), this.#callOptions('register', overrides));
  }

  /** Registers again under the same node id (a reboot): calls under the old session are resent with the new one. */
  async reregister(overrides: CallRetryOptions = {}): Promise<RegisterResponse> {
    await this.#registering?.catch(() => undefined);
    this.#session = undefined;
    return this.connect(overrides);
  }

  /** Long poll for up to `freeSlots` slots of work. */
  async claim(freeSlots: number, waitMs: number, signal: AbortSignal): Promise<ClaimResponse> {
    const answer = await this.#call<ClaimResponse>(
      'claim',
      { freeSlots, waitMs },
      {
        signal,
        attemptTimeoutMs: waitMs + this.#o.requestTimeoutMs,
      },
    );
    return {
      tasks: Array.isArray(answer?.tasks) ? answer.tasks : [],
      leaseExpiresAt: answer?.leaseExpiresAt ?? 0,
    };
  }

  /** Renews the node and its leases; retried until `deadlineMs`. */
  async heartbeat(running: LeaseRef[], deadlineMs: number, signal: AbortSignal): Promise<HeartbeatResponse> {
    const answer = await this.#call<HeartbeatResponse>(
      'heartbeat',
      { running },
      {
        signal,
        deadlineMs,
        attemptTimeoutMs: this.#o.requestTimeoutMs,
      },
    );
    return {
      leaseExpiresAt: answer?.leaseExpiresAt ?? 0,
      cancel: Array.isArray(answer?.cancel) ? answer.cancel : [],
      ...(Array.isArray(answer?.jobReleases) ? { jobReleases: answer.jobReleases } : {}),
      ...(answer?.restart?.kind === 'reboot' || answer?.restart?.kind === 'reimage'
        ? { restart: { kind: answer.restart.kind } }
        : {}),
    };
  }

  /**
   * Reports a finished run; retried until answered (or `signal` aborts). With `claimNext` > 0 the server also
   * claims that many slots of work in the same exchange (no waiting) and answers with the tasks.
   */
  async complete(
    report: CompletionReport,
    signal: AbortSignal,
    claimNext = 0,
  ): Promise<{ accepted: boolean; tasks: ClaimedTask[] }> {
    const body: CompleteRequest = claimNext > 0 ? { ...report, claimNext } : report;
    const answer = await this.#call<CompleteResponse>('complete', body, {
      signal,
      maxAttempts: Number.POSITIVE_INFINITY,
      deadlineMs: Number.POSITIVE_INFINITY,
      attemptTimeoutMs: this.#o.requestTimeoutMs,
    });
    return { accepted: answer?.accepted === true, tasks: Array.isArray(answer?.tasks) ? answer.tasks : [] };
  }

  /** Reports an attempt of a job preparation or release task; retried until answered (or `signal` aborts). */
  async jobTask(report: JobTaskReport, signal: AbortSignal): Promise<boolean> {
    const answer = await this.#call<{ accepted?: boolean }>('jobtask', report, {
      signal,
      maxAttempts: Number.POSITIVE_INFINITY,
      deadlineMs: Number.POSITIVE_INFINITY,
      attemptTimeoutMs: this.#o.requestTimeoutMs,
    });
    return answer?.accepted === true;
  }

  /** Reports an attempt of the pool's start task; retried until answered (or `signal` aborts). */
  async startTask(report: StartTaskReport, signal: AbortSignal): Promise<boolean> {
    const answer = await this.#call<{ accepted?: boolean }>('starttask', report, {
      signal,
      maxAttempts: Number.POSITIVE_INFINITY,
      deadlineMs: Number.POSITIVE_INFINITY,
      attemptTimeoutMs: this.#o.requestTimeoutMs,
    });
    return answer?.accepted === true;
  }

  /**
   * Hands in the results of node user orders and long-polls up to `waitMs` for new ones; retried until
   * answered (or `signal` aborts).
   */
  async nodeUsers(results: NodeUserResult[], waitMs: number, signal: AbortSignal): Promise<NodeUserOrder[]> {
    const answer = await this.#call<NodeUsersResponse>(
      'users',
      { results, waitMs },
      { signal, attemptTimeoutMs: waitMs + this.#o.requestTimeoutMs },
    );
    return Array.isArray(answer?.orders) ? answer.orders : [];
  }

  /** Leaves the pool (the server requeues what the node still holds). No-op when never registered. */
  async leave(deadlineMs: number): Promise<void> {
    if (this.#session === undefined) return;
    await this.#call<undefined>('leave', {}, { deadlineMs, attemptTimeoutMs: this.#o.requestTimeoutMs });
    this.#session = undefined;
  }

  #callOptions(name: string, overrides: CallRetryOptions): CallRetryOptions {
    return {
      classify: nodeApiClassifier,
      onRetry: (event) =>
        this.#o.logger.warn(`${name} failed, retrying`, {
          attempt: event.attempt,
          delayMs: event.delayMs,
          reason: event.decision.reason,
        }),
      ...overrides,
    };
  }

  async #call<T>(name: string, body: unknown, overrides: CallRetryOptions): Promise<T | undefined> {
    return this.#o.policy.execute(
      async (ctx) => {
        const session = await this.#ensureSession();
        const url = `${this.#base}/.batchite/nodes/${encodeURIComponent(session.nodeId)}/${name}`;
        const auth: NodeAuth = { kind: 'node', nodeId: session.nodeId, token: session.token };
        try {
          return (await postJson({ url, body, auth, signal: ctx.signal })) as T | undefined;
        } catch (error) {
          throw this.#afterFailure(error, session);
        }
      },
      this.#callOptions(name, overrides),
    );
  }

  /** Marks a failure that calls for a new registration, or a stale token, before the engine classifies it. */
  #afterFailure(error: unknown, used: RegisterResponse): unknown {
    if (!(error instanceof NodeApiError)) return error;
    if (error.code === 'NodeNotFound' && this.#session === used) {
      this.#o.logger.warn('the server does not know this node; registering again', { nodeId: used.nodeId });
      this.#session = undefined;
    }
    if (error.statusCode === 403 && this.#session !== used) error.staleToken = true;
    return error;
  }

  /**
   * The current session, registering first when there is none. The registration is shared by concurrent
   * callers, so it is not tied to one attempt's signal (the engine still abandons this attempt when it aborts).
   */
  async #ensureSession(): Promise<RegisterResponse> {
    if (this.#session !== undefined) return this.#session;
    if (this.#noMoreRegistrations) throw new NodeGoneError(this.#nodeId);
    this.#registering ??= this.#register().finally(() => {
      this.#registering = undefined;
    });
    return await this.#registering;
  }

  async #register(): Promise<RegisterResponse> {
    const o = this.#o;
    const body: RegisterRequest = { hostname: o.hostname, agentVersion: AGENT_VERSION };
    if (this.#nodeId !== undefined) body.nodeId = this.#nodeId;
    if (o.slots !== undefined) body.slots = o.slots;
    if (o.fileUrl !== undefined) body.fileUrl = o.fileUrl;
    if (o.manageUsers === true) body.manageUsers = true;
    const url = `${this.#base}/.batchite/pools/${encodeURIComponent(o.poolId)}/nodes/register`;
    const timeout = timeoutSignal(o.clock, o.requestTimeoutMs);
    try {
      const auth: NodeAuth = { kind: 'join', joinToken: o.joinToken };
      const session = (await postJson({ url, body, auth, signal: timeout.signal })) as RegisterResponse;
      this.#nodeId = session.nodeId;
      this.#session = session;
      this.#last = session;
      o.logger.info('registered with the server', {
        nodeId: session.nodeId,
        poolId: session.poolId,
        slots: session.slots,
      });
      o.onRegistered?.(session);
      return session;
    } finally {
      timeout.dispose();
    }
  }
}
