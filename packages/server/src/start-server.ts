import { resolve } from 'node:path';
import { systemClock } from '@batchite/retry';
import { buildApp } from './app.js';
import { BackgroundWork } from './background.js';
import { WELL_KNOWN_ACCOUNT, type RunningServer, type ServerOptions } from './server-options.js';
import { finishJobDeletion } from './services/jobs-service.js';
import type { ServiceContext } from './services/service-context.js';
import { openStore } from './store/open-store.js';

export const DEFAULT_SERVER_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 10100,
  dataDir: './.batchite',
  logLevel: 'info' as string | false,
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Finishes deletes that a crash interrupted: a deleting job or pool is removed on start. */
async function resumeDeletes(context: ServiceContext): Promise<void> {
  for (const job of await context.store.listJobsInStates(['deleting'])) {
    context.background(`delete job ${job.entity.id}`, () => finishJobDeletion(context, job.entity.id));
  }
  for (const pool of await context.store.listPools({ limit: 100_000 })) {
    if (pool.entity.state === 'deleting') {
      context.background(`delete pool ${pool.entity.id}`, () => context.store.removePool(pool.entity.id));
    }
  }
}

/** Starts the Batch API server with its store; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_SERVER_OPTIONS.host;
  const accountName = options.accountName ?? WELL_KNOWN_ACCOUNT.name;
  const accountKey = options.accountKey ?? WELL_KNOWN_ACCOUNT.key;
  if (accountKey === WELL_KNOWN_ACCOUNT.key && !isLoopback(host)) {
    throw new Error(
      `Refusing to listen on ${host} with the well-known development key: set BATCHITE_ACCOUNT_KEY (or --account-key) to a secret key.`,
    );
  }
  const clock = options.clock ?? systemClock;
  const dataDir = resolve(options.dataDir ?? DEFAULT_SERVER_OPTIONS.dataDir);
  const store = await openStore(options.store ?? `sqlite:${resolve(dataDir, 'batchite.db')}`, clock);
  const work = new BackgroundWork();
  const context: ServiceContext = { store, clock, dataDir, background: (label, fn) => work.run(label, fn) };
  const app = buildApp({
    account: { name: accountName, key: accountKey },
    context,
    logLevel: options.logLevel ?? DEFAULT_SERVER_OPTIONS.logLevel,
  });
  work.attachLogger(app.log);
  try {
    await resumeDeletes(context);
    await app.listen({ host, port: options.port ?? DEFAULT_SERVER_OPTIONS.port });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${port}`,
    accountName,
    accountKey,
    async close() {
      await app.close();
      await work.drain();
      await store.close();
    },
  };
}
