/**
 * Wake-ups across servers sharing one database: `NOTIFY batchite_work` when work may have become runnable, and
 * one dedicated connection per server that LISTENs for it. Notifications are hints: a server that misses one
 * (its LISTEN connection was down) still finds the work by polling, and after a reconnect every listener is
 * called once, because something may have happened while the connection was deaf.
 *
 * The LISTEN connection's life: idle → (first listener) connecting → listening → (connection lost) connecting
 * → … → (close) closed. Connecting is one `RetryPolicy.execute` call (jittered backoff, no attempt limit,
 * stopped only by close); a loss starts a fresh one, so a connection that lived for days reconnects at once.
 */
import { Client, type Notification } from 'pg';
import { RetryPolicy, type Clock, type RetryOptions } from '@batchite/retry';
import { WORK_CHANNEL } from './postgres-sql.js';

/** Optional store capability: wake-ups shared by every server using the store. */
export interface WorkNotifications {
  /** Calls `listener` when any server may have made work runnable. Returns the unsubscribe function. */
  onWork(listener: () => void): () => void;
  /** Tells every listening server (this one included) that work may be runnable. */
  notifyWork(): Promise<void>;
}

/** Whether a store offers cross-server wake-ups. */
export function hasWorkNotifications(store: object): store is WorkNotifications {
  const candidate = store as Partial<WorkNotifications>;
  return typeof candidate.onWork === 'function' && typeof candidate.notifyWork === 'function';
}

/** Reconnects of the LISTEN connection: forever, 100 ms doubling to 5 s, full jitter, no budget. */
export const DEFAULT_LISTEN_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: Number.POSITIVE_INFINITY,
  deadlineMs: Number.POSITIVE_INFINITY,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  jitter: 'full',
  budget: false,
  hostGate: false,
  // Connecting and LISTEN are harmless to repeat, and a database restart shows up as several different errors.
  classify: () => ({ kind: 'retry', reason: 'listen-connection' }),
} satisfies RetryOptions);

export interface WorkListenerOptions {
  connectionString: string;
  clock: Clock;
  /** Overrides of `DEFAULT_LISTEN_RETRY`. */
  retry?: RetryOptions;
  /** Told about each failed or lost LISTEN connection. */
  onError?: (error: unknown) => void;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

export class WorkListener {
  readonly #listeners = new Set<() => void>();
  readonly #closing = new AbortController();
  readonly #policy: RetryPolicy;
  #client: Client | undefined;
  #pid: number | undefined;
  #started = false;
  #connections = 0;
  #ready = deferred();

  constructor(private readonly options: WorkListenerOptions) {
    this.#policy = new RetryPolicy({ ...DEFAULT_LISTEN_RETRY, clock: options.clock, ...options.retry });
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#start();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves once the LISTEN connection is up (starting it if needed). */
  listening(): Promise<void> {
    this.#start();
    return this.#ready.promise;
  }

  /** The backend process id of the LISTEN connection, when connected (tests cut it off with it). */
  get backendPid(): number | undefined {
    return this.#client === undefined ? undefined : this.#pid;
  }

  async close(): Promise<void> {
    this.#closing.abort(new Error('store closed'));
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #start(): void {
    if (this.#started || this.#closing.signal.aborted) return;
    this.#started = true;
    void this.#connect();
  }

  async #connect(): Promise<void> {
    try {
      await this.#policy.execute((ctx) => this.#open(ctx.signal), { signal: this.#closing.signal });
    } catch (error) {
      // Only close stops the policy; anything else is a configuration that gave up, worth reporting.
      if (!this.#closing.signal.aborted) this.options.onError?.(error);
    }
  }

  async #open(signal: AbortSignal): Promise<void> {
    const client = new Client({
      connectionString: this.options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', (error) => this.#lost(client, error));
    // Before LISTEN, so nothing that arrives right after it goes unheard.
    client.on('notification', (message: Notification) => {
      if (message.channel === WORK_CHANNEL) this.#emit();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}`);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      this.#pid = rows[0]?.pid;
      signal.throwIfAborted();
    } catch (error) {
      await client.end().catch(() => undefined);
      if (!signal.aborted) this.options.onError?.(error);
      throw error;
    }
    client.on('end', () => this.#lost(client, new Error('LISTEN connection ended')));
    this.#client = client;
    this.#ready.resolve();
    if (this.#connections++ > 0) this.#emit();
  }

  #lost(client: Client, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#ready = deferred();
    void client.end().catch(() => undefined);
    if (this.#closing.signal.aborted) return;
    this.options.onError?.(error);
    void this.#connect();
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // One failing listener must not keep the wake-up from the others.
      }
    }
  }
}
