/**
 * Live updates for the dashboard over Server-Sent Events (`GET /ui/api/events`). One shared check per interval,
 * whatever the number of open pages: it fingerprints what the views show (task counts by state, node states and
 * slot use, job states, service events seen) and sends `event: update` only when the fingerprint changed, so an
 * idle server sends nothing but a keep-alive comment. Pages re-read their view when told.
 */
import type { ServerResponse } from 'node:http';
import type { ServiceContext } from '../services/service-context.js';
import type { ServerEventMap } from '../services/server-events.js';

export interface UiEventOptions {
  /** How often the shared check runs while a page listens. @defaultValue 1000 */
  intervalMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream. @defaultValue 15000 */
  keepAliveMs?: number;
}

export const DEFAULT_UI_EVENT_OPTIONS = Object.freeze({ intervalMs: 1000, keepAliveMs: 15_000 });

const WATCHED_EVENTS: (keyof ServerEventMap)[] = [
  'poolChanged',
  'taskCompleted',
  'taskClaimed',
  'taskRun',
  'taskRequeued',
];

export class UiEventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly options: Required<UiEventOptions>;
  private timer: NodeJS.Timeout | undefined;
  private lastFingerprint = '';
  private lastWriteAt = 0;
  private seq = 0;
  private serviceEvents = 0;
  private checking = false;
  private readonly countEvent = () => {
    this.serviceEvents++;
  };

  constructor(
    private readonly context: ServiceContext,
    options: UiEventOptions = {},
  ) {
    this.options = { ...DEFAULT_UI_EVENT_OPTIONS, ...options };
    context.shutdown.addEventListener('abort', () => this.close(), { once: true });
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over the response: SSE headers, a first `update` at once, then updates on change until it closes. */
  attach(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: 2000\n`);
    this.send(response, this.seq);
    this.clients.add(response);
    response.on('close', () => this.detach(response));
    if (this.clients.size === 1) this.start();
  }

  /** Ends every stream and stops the check (server shutdown). */
  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stop();
  }

  private detach(response: ServerResponse): void {
    this.clients.delete(response);
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    for (const name of WATCHED_EVENTS) this.context.events.on(name, this.countEvent);
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const name of WATCHED_EVENTS) this.context.events.off(name, this.countEvent);
  }

  private send(response: ServerResponse, seq: number): void {
    const data = JSON.stringify({ seq, at: new Date(this.context.clock.now()).toISOString() });
    response.write(`event: update\nid: ${seq}\ndata: ${data}\n\n`);
  }

  private async fingerprint(): Promise<string> {
    const store = this.context.store;
    const tasks = await store.countAllTasks();
    const nodes = (await store.listAllNodes()).map(
      (node) => `${node.entity.id}:${node.entity.state}:${node.entity.runningTaskSlotsCount ?? 0}`,
    );
    const jobs = (await store.listJobs({ limit: 500 })).map((job) => `${job.entity.id}:${job.entity.eTag}`);
    const pools = (await store.listPools({ limit: 100 })).map(
      (pool) => `${pool.entity.id}:${pool.entity.eTag}`,
    );
    return JSON.stringify([tasks, nodes, jobs, pools, this.serviceEvents]);
  }

  /** Runs one check now (tests call it instead of waiting for the interval). */
  async check(): Promise<void> {
    if (this.checking || this.clients.size === 0) return;
    this.checking = true;
    try {
      const fingerprint = await this.fingerprint();
      const now = Date.now();
      if (fingerprint !== this.lastFingerprint) {
        this.lastFingerprint = fingerprint;
        this.seq++;
        for (const client of this.clients) this.send(client, this.seq);
        this.lastWriteAt = now;
      } else if (now - this.lastWriteAt >= this.options.keepAliveMs) {
        for (const client of this.clients) client.write(': keep-alive\n\n');
        this.lastWriteAt = now;
      }
    } catch (error) {
      this.context.log.warn({ err: error }, 'dashboard update check failed');
    } finally {
      this.checking = false;
    }
  }
}
