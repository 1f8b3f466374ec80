import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { systemClock, systemRandom } from '@batchite/retry';
import { Admission, DEFAULT_ADMISSION } from './admission/admission.js';
import { RateLimiter } from './admission/rate-limiter.js';
import { buildApp } from './app.js';
import { ServerMetrics } from './metrics/metrics.js';
import { recordServiceEvents } from './metrics/metrics-wiring.js';
import { logServiceEvents } from './services/event-log.js';
import { SERVER_VERSION } from './version.js';
import { BackgroundWork } from './background.js';
import { FaultEngine } from './faults/fault-engine.js';
import { parseFaultRuleSet } from './faults/fault-rules.js';
import { newDashboardToken } from './http/operator-auth.js';
import { checkAccountKey } from './key-guard.js';
import { WELL_KNOWN_ACCOUNT, type RunningServer, type ServerOptions } from './server-options.js';
import { finishJobDeletion } from './services/jobs-service.js';
import { LocalNodeProvider } from './services/local-node-provider.js';
import { joinTokenFor } from './services/node-credentials.js';
import { linkedStorageFrom } from './services/linked-storage.js';
import { runMaintenance } from './services/maintenance.js';
import { defaultMaxNodes } from './services/node-quota.js';
import { ensureLocalPool } from './services/local-pool.js';
import { finishPoolDeletion } from './services/pools-service.js';
import { ServerEvents } from './services/server-events.js';
import type { LeaseSettings, ServiceContext } from './services/service-context.js';
import { WorkSignal } from './services/work-signal.js';
import { openStore } from './store/open-store.js';
import { protectStoreFiles } from './store/private-store-files.js';
import { hasWorkNotifications } from './store/postgres/postgres-notifications.js';
import { NodeUserOrders } from './services/node-user-orders.js';

export const DEFAULT_SERVER_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 10100,
  dataDir: './.batchite',
  logLevel: 'info',
  leases: Object.freeze({
    leaseMs: 20_000,
    heartbeatMs: 2_000,
    claimWaitMs: 20_000,
    claimPollMs: 2_000,
  } satisfies LeaseSettings),
});

/** Finishes deletes that a crash interrupted: a deleting job or pool is removed on start. */
async function resumeDeletes(context: ServiceContext): Promise<void> {
  for (const job of await context.store.listJobsInStates(['deleting'])) {
    context.background(`delete job ${job.entity.id}`, () => finishJobDeletion(context, job.entity.id));
  }
  for (const pool of await context.store.listPools({ limit: 100_000 })) {
    if (pool.entity.state === 'deleting') {
      context.background(`delete pool ${pool.entity.id}`, () => finishPoolDeletion(context, pool.entity.id));
    }
  }
}

function serverUrl(host: string, port: number): string {
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${urlHost}:${port}`;
}

/** Reads a `--faults` file; a bad file stops the start with the reason. */
async function loadFaults(engine: FaultEngine, path: string | undefined): Promise<void> {
  if (path === undefined) return;
  const text = await readFile(path, 'utf8');
  try {
    engine.replace(parseFaultRuleSet(JSON.parse(text) as unknown));
  } catch (error) {
    throw new Error(`Fault rule file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Starts the Batch API server with its store, maintenance loop and (optionally) local nodes. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_SERVER_OPTIONS.host;
  const accountName = options.accountName ?? WELL_KNOWN_ACCOUNT.name;
  const accountKey = options.accountKey ?? WELL_KNOWN_ACCOUNT.key;
  checkAccountKey(host, accountKey);
  const dashboardToken = options.dashboardToken ?? newDashboardToken();
  if (dashboardToken.length < 16 || /\s/.test(dashboardToken)) {
    throw new Error('The dashboard token must be at least 16 characters without spaces.');
  }
  const maxNodes = options.maxNodes ?? defaultMaxNodes();
  if (!Number.isInteger(maxNodes) || maxNodes < 0)
    throw new Error(`Invalid maxNodes ${maxNodes}: an integer ≥ 0.`);
  const clock = options.clock ?? systemClock;
  const dataDir = resolve(options.dataDir ?? DEFAULT_SERVER_OPTIONS.dataDir);
  const logLevel = options.logLevel ?? DEFAULT_SERVER_OPTIONS.logLevel;
  const level = logLevel === false ? 'silent' : logLevel;
  const logger =
    options.logDestination === undefined ? pino({ level }) : pino({ level }, options.logDestination);
  const storeUrl = options.store ?? `sqlite:${resolve(dataDir, 'batchite.db')}`;
  protectStoreFiles(dataDir, storeUrl);
  const store = await openStore(storeUrl, clock);
  const background = new BackgroundWork(logger);
  const work = hasWorkNotifications(store)
    ? new WorkSignal(
        () => void store.notifyWork().catch((error: unknown) => logger.warn({ err: error }, 'NOTIFY failed')),
      )
    : new WorkSignal();
  const unlisten = hasWorkNotifications(store) ? store.onWork(() => work.wakeLocal()) : () => undefined;
  // Aborted on close: stops the maintenance loop and ends every long poll at once.
  const maintenance = new AbortController();
  const metrics = new ServerMetrics({
    store,
    version: SERVER_VERSION,
    storeKind: store.description.split(':')[0] ?? 'unknown',
    clock,
    ...(options.metricsRefreshMs === undefined ? {} : { storeRefreshMs: options.metricsRefreshMs }),
  });
  const faults = new FaultEngine(clock, (rule) => metrics.faults.inc({ kind: rule.action.type }));
  await loadFaults(faults, options.faultsFile);
  const admission = new Admission({
    ...(options.rateLimit === undefined ? {} : { rateLimiter: new RateLimiter(options.rateLimit, clock) }),
    maxInFlight: options.maxInFlight ?? DEFAULT_ADMISSION.maxInFlight,
    busyRetryAfterSeconds: DEFAULT_ADMISSION.busyRetryAfterSeconds,
    onRefused: (status) => metrics.throttled.inc({ status_code: String(status) }),
  });
  const context: ServiceContext = {
    store,
    clock,
    random: options.random ?? systemRandom,
    dataDir,
    background: (label, fn) => background.run(label, fn),
    work,
    events: new ServerEvents(),
    faults,
    leases: { ...DEFAULT_SERVER_OPTIONS.leases, ...options.leases },
    accountName,
    log: logger,
    shutdown: maintenance.signal,
    nodeUsers: new NodeUserOrders(clock),
    storage: options.storage === undefined ? undefined : linkedStorageFrom(options.storage),
  };
  recordServiceEvents(metrics, context.events);
  logServiceEvents(logger, context.events, (jobId) => store.countTasks(jobId));
  const app = buildApp({
    logRequests: options.logRequests === true,
    account: { name: accountName, key: accountKey },
    dashboardToken,
    context,
    logger,
    admission,
    metrics,
  });
  let provider: LocalNodeProvider | undefined;
  try {
    await resumeDeletes(context);
    await app.listen({ host, port: options.port ?? DEFAULT_SERVER_OPTIONS.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
    const url = serverUrl(host, port);
    void runMaintenance(context, maintenance.signal, (error) =>
      logger.error({ err: error }, 'maintenance failed'),
    );
    if (options.localPool !== undefined) await ensureLocalPool(context, options.localPool);
    if (options.nodeLauncher !== undefined || options.slurmLauncher !== undefined) {
      provider = new LocalNodeProvider(context, options.nodeLauncher, {
        serverUrl: url,
        joinToken: (poolId) => joinTokenFor({ name: accountName, key: accountKey }, poolId),
        rootDir: dataDir,
        maxNodes,
        ...(options.slurmLauncher === undefined ? {} : { slurmLauncher: options.slurmLauncher }),
      });
      await provider.start();
    }
    return {
      url,
      accountName,
      accountKey,
      dashboardToken,
      dashboardUrl: `${url}/ui#token=${encodeURIComponent(dashboardToken)}`,
      dataDir,
      joinToken: (poolId) => joinTokenFor({ name: accountName, key: accountKey }, poolId),
      async close() {
        maintenance.abort();
        await provider?.stop();
        await app.close();
        unlisten();
        await background.drain();
        await store.close();
      },
    };
  } catch (error) {
    maintenance.abort();
    await provider?.stop();
    await app.close();
    await store.close();
    throw error;
  }
}
