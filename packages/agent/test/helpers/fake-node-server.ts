/**
 * A scripted, in-memory implementation of the server side of docs/node-api.md on a real HTTP port, for testing
 * the agent before (and independently of) the real server. Register checks the pool's join token;
 * claim is a real long poll; every call is recorded. Tests script faults: forced status codes, forgotten nodes,
 * replaced tokens, and a full stop (connection refused) followed by a restart on the same port.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CancelOrder,
  ClaimedTask,
  CompletionReport,
  HeartbeatRequest,
  RegisterRequest,
} from '../../src/node-api.js';

export const ACCOUNT_NAME = 'batchite';
/** The join token the fake server accepts for pool `local`. */
export const JOIN_TOKEN = 'bjt1_fake-join-token-of-pool-local';

export interface FakeTask {
  jobId: string;
  taskId: string;
  commandLine: string;
  environment?: Record<string, string>;
  maxWallClockTimeMs?: number;
  requiredSlots?: number;
}

export interface FakeServerOptions {
  leaseMs?: number;
  heartbeatMs?: number;
  claimWaitMs?: number;
  slots?: number;
}

interface NodeRecord {
  token: string;
  slots: number;
}

export interface RecordedCompletion extends CompletionReport {
  nodeId: string;
  accepted: boolean;
}

export interface RecordedRequest {
  op: string;
  status: number;
}

type Body = Record<string, unknown>;

/** Holds a kind of answer back until the function `hold()` returned is called. */
class AnswerHold {
  #released: Promise<void> | undefined;

  hold(): () => void {
    let release!: () => void;
    this.#released = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.#released = undefined;
      release();
    };
  }

  /** Settles at once when nothing is held, else when the hold is released. */
  async passed(): Promise<void> {
    await this.#released;
  }
}

export class FakeNodeServer {
  readonly registrations: RegisterRequest[] = [];
  readonly claims: Array<{ nodeId: string; freeSlots: number; waitMs: number; handedOut: string[] }> = [];
  readonly heartbeats: Array<HeartbeatRequest & { nodeId: string }> = [];
  readonly completions: RecordedCompletion[] = [];
  readonly leaves: string[] = [];
  /** Heartbeats received, including ones not answered yet (see `pauseHeartbeats`). */
  heartbeatsArrived = 0;
  /** Every request with its answer status, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  readonly nodes = new Map<string, NodeRecord>();
  /** `jobId/taskId` → lease held by a node. */
  readonly leases = new Map<string, { nodeId: string; token: string }>();
  /** When set, every node-token call is answered with this status (a Batch error body). */
  forcedStatus: { status: number; code: string; retryAfter?: string } | undefined;
  readonly #queue: ClaimedTask[] = [];
  /** The claims behind `leases`, so leave can requeue them. */
  readonly #leased = new Map<string, ClaimedTask>();
  readonly #cancels = new Map<string, CancelOrder[]>();
  readonly #events = new EventEmitter();
  readonly #options: Required<FakeServerOptions>;
  #server: Server;
  #port = 0;
  #nextNode = 1;
  #attempts = new Map<string, number>();
  readonly #heartbeatHold = new AnswerHold();
  readonly #completionHold = new AnswerHold();

  private constructor(options: FakeServerOptions) {
    this.#options = { leaseMs: 2_000, heartbeatMs: 100, claimWaitMs: 300, slots: 2, ...options };
    this.#server = this.#createServer();
    this.#events.setMaxListeners(100);
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeNodeServer> {
    const server = new FakeNodeServer(options);
    await server.#listen(0);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Queues a task for the next claim. */
  enqueue(task: FakeTask): void {
    const attempt = (this.#attempts.get(`${task.jobId}/${task.taskId}`) ?? 0) + 1;
    this.#attempts.set(`${task.jobId}/${task.taskId}`, attempt);
    const claimed: ClaimedTask = {
      jobId: task.jobId,
      taskId: task.taskId,
      leaseToken: randomBytes(8).toString('hex'),
      commandLine: task.commandLine,
      environment: {
        AZ_BATCH_ACCOUNT_NAME: ACCOUNT_NAME,
        AZ_BATCH_ACCOUNT_URL: `${this.url}/`,
        AZ_BATCH_JOB_ID: task.jobId,
        AZ_BATCH_TASK_ID: task.taskId,
        ...task.environment,
      },
      requiredSlots: task.requiredSlots ?? 1,
      runAs: { kind: 'auto', scope: 'task', elevationLevel: 'nonadmin' },
      attempt,
    };
    if (task.maxWallClockTimeMs !== undefined) claimed.maxWallClockTimeMs = task.maxWallClockTimeMs;
    this.#queue.push(claimed);
    this.#events.emit('enqueued');
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** The next heartbeat of the node holding the task gets this cancel order. */
  cancel(jobId: string, taskId: string, reason: CancelOrder['reason']): void {
    const holder = this.leases.get(`${jobId}/${taskId}`);
    if (holder === undefined) throw new Error(`${jobId}/${taskId} is not leased`);
    const orders = this.#cancels.get(holder.nodeId) ?? [];
    orders.push({ jobId, taskId, leaseToken: holder.token, reason });
    this.#cancels.set(holder.nodeId, orders);
  }

  /** Forgets a node (its next call gets 404 NodeNotFound) and drops its leases. */
  forgetNode(nodeId: string): void {
    this.nodes.delete(nodeId);
    for (const [key, lease] of this.leases) if (lease.nodeId === nodeId) this.leases.delete(key);
  }

  /** Gives the node a new token, as if another agent registered under its id (its calls then get 403). */
  replaceToken(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (node !== undefined) node.token = 'replaced-' + randomBytes(8).toString('hex');
  }

  /** Resolves once `predicate` holds, checked after every request the server answers. */
  async waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
    const timeout = AbortSignal.timeout(timeoutMs);
    while (!predicate()) {
      try {
        await once(this.#events, 'answered', { signal: timeout });
      } catch {
        throw new Error(`timed out waiting for ${what}`);
      }
    }
  }

  /** Stops listening and drops every connection: the agent now sees connection refused. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    this.#events.emit('stopping');
    await closed;
  }

  /** Listens again on the same port, with the same in-memory state (a restarted, persistent server). */
  async restart(): Promise<void> {
    this.#server = this.#createServer();
    await this.#listen(this.#port);
  }

  #createServer(): Server {
    return createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  async #listen(port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text === '' ? {} : JSON.parse(text)) as Body;
    const path = request.url ?? '/';
    const register = /^\/\.batchite\/pools\/([^/]+)\/nodes\/register$/.exec(path);
    const nodeCall = /^\/\.batchite\/nodes\/([^/]+)\/(claim|heartbeat|complete|leave)$/.exec(path);
    let op = 'unknown';
    let status: number;
    try {
      if (register) {
        op = 'register';
        status = this.#register(request, response, body, decodeURIComponent(register[1]!));
      } else if (nodeCall) {
        op = nodeCall[2]!;
        status = await this.#nodeCall(request, response, body, decodeURIComponent(nodeCall[1]!), op);
      } else {
        status = this.#error(response, 404, 'ResourceNotFound');
      }
    } catch (error) {
      status = this.#error(response, 500, 'InternalError', String(error));
    }
    this.requests.push({ op, status });
    this.#events.emit('answered');
  }

  #register(request: IncomingMessage, response: ServerResponse, body: Body, poolId: string): number {
    if (request.headers.authorization !== `BatchiteJoin ${JOIN_TOKEN}`) {
      return this.#error(response, 403, 'AuthenticationFailed');
    }
    if (poolId !== 'local') return this.#error(response, 404, 'PoolNotFound');
    this.registrations.push(body as unknown as RegisterRequest);
    const nodeId = typeof body.nodeId === 'string' ? body.nodeId : `tvm-${this.#nextNode++}`;
    for (const [key, lease] of this.leases) if (lease.nodeId === nodeId) this.leases.delete(key);
    const slots = typeof body.slots === 'number' ? body.slots : this.#options.slots;
    const token = randomBytes(12).toString('hex');
    this.nodes.set(nodeId, { token, slots });
    const { leaseMs, heartbeatMs, claimWaitMs } = this.#options;
    const accountUrl = `${this.url}/`;
    return this.#json(response, 200, {
      nodeId,
      token,
      leaseMs,
      heartbeatMs,
      claimWaitMs,
      accountName: ACCOUNT_NAME,
      accountUrl,
      poolId,
      slots,
    });
  }

  async #nodeCall(
    request: IncomingMessage,
    response: ServerResponse,
    body: Body,
    nodeId: string,
    op: string,
  ): Promise<number> {
    if (this.forcedStatus !== undefined) {
      const { status, code, retryAfter } = this.forcedStatus;
      if (retryAfter !== undefined) response.setHeader('retry-after', retryAfter);
      return this.#error(response, status, code);
    }
    const node = this.nodes.get(nodeId);
    if (node === undefined) return this.#error(response, 404, 'NodeNotFound');
    if (request.headers.authorization !== `BatchiteNode ${nodeId}:${node.token}`) {
      return this.#error(response, 403, 'AuthenticationFailed');
    }
    switch (op) {
      case 'claim':
        return this.#claim(response, body, nodeId);
      case 'heartbeat':
        return await this.#heartbeat(response, body, nodeId);
      case 'complete':
        return await this.#complete(response, body, nodeId);
      default:
        this.leaves.push(nodeId);
        this.#requeueHeldBy(nodeId);
        this.forgetNode(nodeId);
        response.writeHead(204, { 'request-id': randomBytes(4).toString('hex') }).end();
        return 204;
    }
  }

  /** Leave: what the node still holds goes back to the queue (as a fresh claim with a new lease token). */
  #requeueHeldBy(nodeId: string): void {
    for (const [key, lease] of this.leases) {
      const task = this.#leased.get(key);
      if (lease.nodeId !== nodeId || task === undefined) continue;
      this.leases.delete(key);
      this.enqueue({ ...task, environment: {} });
    }
  }

  #take(freeSlots: number): ClaimedTask[] {
    const taken: ClaimedTask[] = [];
    let free = freeSlots;
    for (let i = 0; i < this.#queue.length;) {
      const task = this.#queue[i]!;
      if (task.requiredSlots <= free) {
        taken.push(task);
        free -= task.requiredSlots;
        this.#queue.splice(i, 1);
      } else i++;
    }
    return taken;
  }

  async #claim(response: ServerResponse, body: Body, nodeId: string): Promise<number> {
    const freeSlots = Number(body.freeSlots ?? 0);
    const waitMs = Math.min(Number(body.waitMs ?? 0), this.#options.claimWaitMs);
    let tasks = this.#take(freeSlots);
    if (tasks.length === 0 && waitMs > 0) {
      const gone = new AbortController();
      const hangUp = (): void => gone.abort();
      response.once('close', hangUp);
      this.#events.once('stopping', hangUp);
      const signal = AbortSignal.any([gone.signal, AbortSignal.timeout(waitMs)]);
      try {
        while (tasks.length === 0 && !signal.aborted) {
          await once(this.#events, 'enqueued', { signal }).catch(() => undefined);
          if (gone.signal.aborted) return 0; // the agent hung up or the server stops: hand nothing out
          tasks = this.#take(freeSlots);
        }
      } finally {
        this.#events.off('stopping', hangUp);
      }
    }
    this.#lease(nodeId, tasks);
    this.claims.push({ nodeId, freeSlots, waitMs, handedOut: tasks.map((t) => t.taskId) });
    return this.#json(response, 200, { tasks, leaseExpiresAt: Date.now() + this.#options.leaseMs });
  }

  #lease(nodeId: string, tasks: readonly ClaimedTask[]): void {
    for (const task of tasks) {
      this.leases.set(`${task.jobId}/${task.taskId}`, { nodeId, token: task.leaseToken });
      this.#leased.set(`${task.jobId}/${task.taskId}`, task);
    }
  }

  /**
   * Holds completion answers until the returned function is called. The run is recorded (and its lease ended)
   * on arrival, as the real server commits it before answering; the `claimNext` tasks are taken at the answer.
   */
  holdCompletions(): () => void {
    return this.#completionHold.hold();
  }

  /** Holds heartbeat answers until the returned function is called (they are computed after the release). */
  pauseHeartbeats(): () => void {
    return this.#heartbeatHold.hold();
  }

  async #heartbeat(response: ServerResponse, body: Body, nodeId: string): Promise<number> {
    this.heartbeatsArrived++;
    this.#events.emit('answered'); // wakes waitFor: something happened
    await this.#heartbeatHold.passed();
    const running = (body.running ?? []) as HeartbeatRequest['running'];
    this.heartbeats.push({ nodeId, running });
    const cancel = this.#cancels.get(nodeId) ?? [];
    this.#cancels.delete(nodeId);
    for (const lease of running) {
      const held = this.leases.get(`${lease.jobId}/${lease.taskId}`);
      if (held?.token !== lease.leaseToken || held.nodeId !== nodeId) {
        cancel.push({
          jobId: lease.jobId,
          taskId: lease.taskId,
          leaseToken: lease.leaseToken,
          reason: 'leaseLost',
        });
      }
    }
    return this.#json(response, 200, { leaseExpiresAt: Date.now() + this.#options.leaseMs, cancel });
  }

  async #complete(response: ServerResponse, body: Body, nodeId: string): Promise<number> {
    const report = body as unknown as CompletionReport;
    const key = `${report.jobId}/${report.taskId}`;
    const held = this.leases.get(key);
    const accepted = held?.token === report.leaseToken && held.nodeId === nodeId;
    if (accepted) this.leases.delete(key);
    this.completions.push({ ...report, nodeId, accepted });
    this.#events.emit('answered');
    await this.#completionHold.passed();
    const claimNext = Number(body.claimNext ?? 0);
    if (!(claimNext > 0)) return this.#json(response, 200, { accepted });
    const tasks = this.#take(claimNext);
    this.#lease(nodeId, tasks);
    return this.#json(response, 200, { accepted, tasks, leaseExpiresAt: Date.now() + this.#options.leaseMs });
  }

  #json(response: ServerResponse, status: number, value: unknown): number {
    if (response.destroyed) return 0;
    response.writeHead(status, {
      'content-type': 'application/json',
      'request-id': randomBytes(4).toString('hex'),
    });
    response.end(JSON.stringify(value));
    return status;
  }

  #error(response: ServerResponse, status: number, code: string, message = code): number {
    return this.#json(response, status, { code, message: { lang: 'en-US', value: message }, values: [] });
  }
}
