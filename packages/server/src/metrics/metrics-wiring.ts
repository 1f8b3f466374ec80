/** Connects the metrics to the places that produce them: responses, service events and the /metrics route. */
import type { FastifyInstance } from 'fastify';
import { errorCodeOf } from '../http/error-handler.js';
import { requireOperator, type OperatorCredentials } from '../http/operator-auth.js';
import type { ServerEvents } from '../services/server-events.js';
import type { ServerMetrics } from './metrics.js';
import { operationOf } from './operations.js';

export function recordServiceEvents(metrics: ServerMetrics, events: ServerEvents): void {
  events.on('taskClaimed', (waitMs) => metrics.assignLatency.observe(waitMs / 1000));
  events.on('taskRun', (result, durationMs, retried) => {
    metrics.taskAttempts.inc({ result });
    metrics.runDuration.observe({ result }, durationMs / 1000);
    if (retried) metrics.taskRetries.inc();
  });
  events.on('taskRequeued', (reason) => {
    metrics.taskRequeues.inc({ reason });
    if (reason === 'node_lost') metrics.taskAttempts.inc({ result: 'node_lost' });
  });
}

/** Every surface: request durations by route (root instance, so it sees every response). */
export function recordRequestDurations(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestDuration.observe(
      {
        http_request_method: request.method,
        http_route: request.routeOptions.url ?? 'other',
        http_response_status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

/** Batch API requests by operation and error code: a hook of the Batch API plugin, so it counts only those. */
export function countApiRequests(scope: FastifyInstance, metrics: ServerMetrics): void {
  scope.addHook('onResponse', (request, reply, done) => {
    metrics.apiRequests.inc({
      operation: operationOf(request.method, request.routeOptions.url),
      status_code: String(reply.statusCode),
      error_code: errorCodeOf(request) ?? '',
    });
    done();
  });
}

/**
 * `GET /metrics` (Prometheus text format) behind the operator credential: Prometheus sends the account key (or
 * a dashboard token fixed with BATCHITE_DASHBOARD_TOKEN) as a bearer token (docs/metrics.md).
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  metrics: ServerMetrics,
  credentials: OperatorCredentials,
): void {
  void app.register((scope, _options, done) => {
    scope.addHook('onRequest', requireOperator(credentials));
    scope.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.header('content-type', contentType).send(body);
    });
    done();
  });
}
