/**
 * Prometheus metrics (prom-client), one registry per server so several servers can share a process (tests).
 * Names follow the Prometheus naming practices (https://prometheus.io/docs/practices/naming/): prefix `batchite_`, base units, no job or task ids in labels, every
 * state/result series exported at 0 from the start so rates and alerts work before the first event.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { COMPUTE_NODE_STATES, TASK_STATES } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import type { Store } from '../store/store.js';
import { DEFAULT_STORE_SNAPSHOT, StoreSnapshot } from './store-snapshot.js';

/** A rendered scrape is reused this long at most: sixteen scrapers at once cost one rendering. */
export const MAX_RENDER_AGE_MS = 1_000;

interface Rendered {
  atMs: number;
  body: string;
}

export const RUN_RESULTS = ['success', 'failure', 'timeout', 'node_lost'] as const;
export const REQUEUE_REASONS = [
  'node_lost',
  'pool_resize',
  'job_disable',
  'pool_delete',
  'node_restart',
  'node_disable',
] as const;

export interface MetricsSources {
  store: Store;
  version: string;
  storeKind: string;
  clock: Clock;
  /**
   * How old the store gauges may get; scrapes are reused for the smaller of this and MAX_RENDER_AGE_MS.
   * @defaultValue DEFAULT_STORE_SNAPSHOT.refreshMs
   */
  storeRefreshMs?: number;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly apiRequests = new Counter({
    name: 'batchite_api_requests_total',
    help: 'Batch API requests by operation, HTTP status and Batch error code.',
    labelNames: ['operation', 'status_code', 'error_code'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP requests (OpenTelemetry http.server.request.duration).',
    labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: 'batchite_throttled_responses_total',
    help: 'Requests refused by admission: 429 TooManyRequests (rate limit) and 503 ServerBusy (overload).',
    labelNames: ['status_code'] as const,
    registers: [this.registry],
  });
  readonly faults = new Counter({
    name: 'batchite_faults_injected_total',
    help: 'Faults injected by fault rules, by action type.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly taskAttempts = new Counter({
    name: 'batchite_task_attempts_total',
    help: 'Finished task runs by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly taskRetries = new Counter({
    name: 'batchite_task_retries_total',
    help: 'Task runs that will be retried after a non-zero exit.',
    registers: [this.registry],
  });
  readonly taskRequeues = new Counter({
    name: 'batchite_task_requeues_total',
    help: 'Running tasks put back to active without spending a retry, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly assignLatency = new Histogram({
    name: 'batchite_scheduler_assign_latency_seconds',
    help: 'Time from a task becoming active (added, retried, requeued) to a node claiming it.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400],
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'batchite_task_run_duration_seconds',
    help: 'Wall time of finished task runs, by result.',
    labelNames: ['result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400],
    registers: [this.registry],
  });

  private readonly clock: Clock;
  private readonly renderMaxAgeMs: number;
  private rendered: Rendered | undefined;
  private rendering: Promise<Rendered> | undefined;

  constructor(sources: MetricsSources) {
    this.clock = sources.clock;
    const refreshMs = sources.storeRefreshMs ?? DEFAULT_STORE_SNAPSHOT.refreshMs;
    this.renderMaxAgeMs = Math.min(MAX_RENDER_AGE_MS, refreshMs);
    for (const result of RUN_RESULTS) {
      this.taskAttempts.inc({ result }, 0);
      this.runDuration.zero({ result });
    }
    for (const reason of REQUEUE_REASONS) this.taskRequeues.inc({ reason }, 0);
    for (const status of ['429', '503']) this.throttled.inc({ status_code: status }, 0);
    new Gauge({
      name: 'batchite_build_info',
      help: 'Always 1; the labels say which version and store run.',
      labelNames: ['version', 'store'] as const,
      registers: [this.registry],
    }).set({ version: sources.version, store: sources.storeKind }, 1);
    this.storeGauges(new StoreSnapshot(sources.store, sources.clock, refreshMs));
    collectDefaultMetrics({ register: this.registry, prefix: 'batchite_process_' });
  }

  /** Gauges from the store snapshot (tasks by state, nodes by state, task slots busy/free). */
  private storeGauges(snapshot: StoreSnapshot): void {
    new Gauge({
      name: 'batchite_tasks',
      help: 'Tasks by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const { tasks } = await snapshot.get();
        for (const state of TASK_STATES) this.set({ state }, tasks[state] ?? 0);
      },
    });
    new Gauge({
      name: 'batchite_nodes',
      help: 'Compute nodes by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const { nodes } = await snapshot.get();
        for (const state of COMPUTE_NODE_STATES) this.set({ state }, nodes[state] ?? 0);
      },
    });
    new Gauge({
      name: 'batchite_task_slots',
      help: 'Task slots of usable nodes, busy or free.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const { slots } = await snapshot.get();
        this.set({ state: 'busy' }, slots.busy);
        this.set({ state: 'free' }, slots.free);
      },
    });
  }

  /** The Prometheus text; concurrent scrapes share one rendering, reused for `renderMaxAgeMs`. */
  async render(): Promise<{ contentType: string; body: string }> {
    const fresh = this.rendered !== undefined && this.clock.now() - this.rendered.atMs < this.renderMaxAgeMs;
    if (!fresh) {
      this.rendering ??= this.registry
        .metrics()
        .then((body) => (this.rendered = { atMs: this.clock.now(), body }))
        .finally(() => {
          this.rendering = undefined;
        });
      await this.rendering;
    }
    return { contentType: this.registry.contentType, body: this.rendered?.body ?? '' };
  }
}
