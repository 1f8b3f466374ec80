import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Admission } from './admission/admission.js';
import type { Account } from './http/authentication.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { registerMetrics } from './metrics/metrics-wiring.js';
import { installPipeline } from './http/pipeline.js';
import { registerFileRoutes } from './routes/file-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerFaultRoutes } from './routes/fault-routes.js';
import { nodeApiPlugin } from './routes/node-routes.js';
import { registerPoolRoutes } from './routes/pool-routes.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerWhyRoutes } from './routes/why-routes.js';
import type { ServiceContext } from './services/service-context.js';
import { registerUiRoutes } from './ui/ui-routes.js';

export interface AppOptions {
  account: Account;
  context: ServiceContext;
  logger: FastifyBaseLogger;
  admission: Admission;
  metrics: ServerMetrics;
}

/** Builds the HTTP application: pipeline first, then the Batch routes, then Batchite's own endpoints. */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    // HEAD routes are declared explicitly where the Batch API has them.
    exposeHeadRoutes: false,
    // Hung requests (fault injection) and agents' long polls must not keep a closing server open.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  installPipeline(app, {
    account: options.account,
    clock: options.context.clock,
    admission: options.admission,
    faults: options.context.faults,
  });
  registerMetrics(app, options.metrics);
  registerPoolRoutes(app, options.context);
  registerJobRoutes(app, options.context);
  registerTaskRoutes(app, options.context);
  registerFileRoutes(app, options.context);
  void app.register(nodeApiPlugin, { context: options.context, account: options.account });
  registerFaultRoutes(app, options.context, options.account);
  registerWhyRoutes(app, options.context, options.account);
  registerUiRoutes(app, options.context, options.metrics, options.account);
  app.get('/.batchite/health', () => ({ status: 'ok', store: options.context.store.description }));
  return app;
}
