/** Connects the metrics to the places that produce them: responses, service events and the /metrics route. */
import type { FastifyInstance } from 'fastify';
import { errorCodeOf } from '../http/error-handler.js';
import { isBatchPath } from '../http/pipeline.js';
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

export function registerMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const status = String(reply.statusCode);
    metrics.requestDuration.observe(
      {
        http_request_method: request.method,
        http_route: route ?? 'other',
        http_response_status_code: status,
      },
      reply.elapsedTime / 1000,
    );
    if (isBatchPath(request)) {
      metrics.apiRequests.inc({
        operation: operationOf(request.method, route),
        status_code: status,
        error_code: errorCodeOf(request) ?? '',
      });
    }
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).send(body);
  });
}
