/**
 * The dashboard's metrics strip: totals read from the same registry `/metrics` serves, so the numbers agree with
 * Prometheus. The page turns them into rates since it was opened.
 */
import type { Counter } from 'prom-client';
import type { ServerMetrics } from '../metrics/metrics.js';

export interface UiMetrics {
  at: string;
  /** Batch API requests answered. */
  requests: number;
  /** Of those, answered 4xx (429 included) and 5xx (503 included). */
  clientErrors: number;
  serverErrors: number;
  /** Refused by admission: 429 TooManyRequests and 503 ServerBusy. */
  throttled: { '429': number; '503': number };
  /** Task runs that will be retried after a non-zero exit. */
  retries: number;
  /** Running tasks put back without spending a retry. */
  requeues: number;
  /** Finished runs by result (success, failure, timeout, node_lost). */
  runs: Record<string, number>;
  faultsInjected: number;
}

type Values = Awaited<ReturnType<Counter['get']>>['values'];

async function valuesOf(counter: Counter<string>): Promise<Values> {
  return (await counter.get()).values;
}

function sum(values: Values, where: (labels: Values[number]['labels']) => boolean = () => true): number {
  return values.reduce((total, item) => total + (where(item.labels) ? item.value : 0), 0);
}

export async function buildMetrics(metrics: ServerMetrics, nowMs: number): Promise<UiMetrics> {
  const requests = await valuesOf(metrics.apiRequests);
  const throttled = await valuesOf(metrics.throttled);
  const runs: Record<string, number> = {};
  for (const item of await valuesOf(metrics.taskAttempts)) {
    const result = String(item.labels.result ?? 'unknown');
    runs[result] = (runs[result] ?? 0) + item.value;
  }
  const status = (labels: Values[number]['labels']) => Number(labels.status_code ?? 0);
  return {
    at: new Date(nowMs).toISOString(),
    requests: sum(requests),
    clientErrors: sum(requests, (labels) => status(labels) >= 400 && status(labels) < 500),
    serverErrors: sum(requests, (labels) => status(labels) >= 500),
    throttled: {
      '429': sum(throttled, (labels) => labels.status_code === '429'),
      '503': sum(throttled, (labels) => labels.status_code === '503'),
    },
    retries: sum(await valuesOf(metrics.taskRetries)),
    requeues: sum(await valuesOf(metrics.taskRequeues)),
    runs,
    faultsInjected: sum(await valuesOf(metrics.faults)),
  };
}
