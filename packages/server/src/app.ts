import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Admission } from './admission/admission.js';
import type { Account } from './http/authentication.js';
import { clientErrorHandler, frameworkErrorHandler } from './http/framework-errors.js';
import { redirectBrowsersToDashboard } from './http/browser-redirect.js';
import { registerHealthRoute } from './http/health.js';
import type { OperatorCredentials } from './http/operator-auth.js';
import type { ServerMetrics } from './metrics/metrics.js';
import { countApiRequests, recordRequestDurations, registerMetricsRoute } from './metrics/metrics-wiring.js';
import { installBatchStages, installCommonStages } from './http/pipeline.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerFileRoutes } from './routes/file-routes.js';
import { registerJobRoutes } from './routes/job-routes.js';
import { registerJobScheduleRoutes } from './routes/job-schedule-routes.js';
import { registerJobPrepReleaseRoutes } from './routes/job-prep-release-routes.js';
import { registerFaultRoutes } from './routes/fault-routes.js';
import { nodeApiPlugin } from './routes/node-routes.js';
import { registerNodeOperationRoutes } from './routes/node-operation-routes.js';
import { registerPoolRoutes } from './routes/pool-routes.js';
import { registerStatisticsRoutes } from './routes/statistics-routes.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerWhyRoutes } from './routes/why-routes.js';
import type { ServiceContext } from './services/service-context.js';
import { registerUiRoutes } from './ui/ui-routes.js';
import { SERVER_VERSION } from './version.js';

export interface AppOptions {
  account: Account;
  /** The dashboard token of this start (operator credential besides the account key). */
  dashboardToken: string;
  context: ServiceContext;
  logger: FastifyBaseLogger;
  admission: Admission;
  metrics: ServerMetrics;
  /** One log line per request (fastify's request logging). */
  logRequests: boolean;
}

/**
 * Builds the HTTP application. The root instance has what every surface shares (request id, body parser and
 * depth bound, error bodies, 404); each surface is registered below with its authentication in sight:
 *
 *   Batch API        plugin with onRequest hooks api-version → Shared Key or job token → admission → faults
 *   node agents      `routes/node-routes.ts` (node credentials)
 *   /.batchite/ faults and why   Shared Key, checked by each handler
 *   dashboard        page and assets open (no data); `/ui/api` plugin needs the operator credential
 *   /metrics         plugin that needs the operator credential
 *   health           open, says "up"; details only with the operator credential
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { clock } = options.context;
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    // HEAD routes are declared explicitly where the Batch API has them.
    exposeHeadRoutes: false,
    // Hung requests (fault injection) and agents' long polls must not keep a closing server open.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler(clock),
    clientErrorHandler: clientErrorHandler(clock),
  });
  const operator: OperatorCredentials = {
    account: options.account,
    dashboardToken: options.dashboardToken,
    clock,
  };
  installCommonStages(app, clock, options.account);
  redirectBrowsersToDashboard(app);
  recordRequestDurations(app, options.metrics);
  void app.register((batchApi, _opts, done) => {
    installBatchStages(batchApi, {
      account: options.account,
      clock,
      admission: options.admission,
      faults: options.context.faults,
      store: options.context.store,
    });
    countApiRequests(batchApi, options.metrics);
    registerPoolRoutes(batchApi, options.context);
    registerJobRoutes(batchApi, options.context);
    registerJobScheduleRoutes(batchApi, options.context);
    registerJobPrepReleaseRoutes(batchApi, options.context);
    registerTaskRoutes(batchApi, options.context);
    registerFileRoutes(batchApi, options.context);
    registerNodeOperationRoutes(batchApi, options.context);
    registerAccountRoutes(batchApi, options.context);
    registerStatisticsRoutes(batchApi, options.context);
    done();
  });
  void app.register(nodeApiPlugin, { context: options.context, account: options.account });
  registerFaultRoutes(app, options.context, options.account);
  registerWhyRoutes(app, options.context, options.account);
  registerUiRoutes(app, options.context, options.metrics, operator);
  registerMetricsRoute(app, options.metrics, operator);
  registerHealthRoute(app, operator, () => ({
    version: SERVER_VERSION,
    store: options.context.store.description,
  }));
  return app;
}
