/**
 * Scheduler explanations (Batchite extension), signed with the account's Shared Key:
 *   GET /.batchite/jobs/{jobId}/why                 waiting tasks of the job by reason
 *   GET /.batchite/jobs/{jobId}/tasks/{taskId}/why  why this task is (not) running
 */
import type { FastifyInstance } from 'fastify';
import { authenticate, type Account } from '../http/authentication.js';
import type { ServiceContext } from '../services/service-context.js';
import { explainJob, explainTask } from '../services/why.js';
import type { JobParams, TaskParams } from './route-helpers.js';

export function registerWhyRoutes(app: FastifyInstance, context: ServiceContext, account: Account): void {
  app.get<{ Params: JobParams }>('/.batchite/jobs/:jobId/why', async (request) => {
    authenticate(request, account, context.clock.now());
    return explainJob(context, request.params.jobId);
  });

  app.get<{ Params: TaskParams }>('/.batchite/jobs/:jobId/tasks/:taskId/why', async (request) => {
    authenticate(request, account, context.clock.now());
    return explainTask(context, request.params.jobId, request.params.taskId);
  });
}
