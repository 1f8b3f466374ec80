/** Starts a real Batchite server on port 0 with a throw-away data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { childProcessNodeLauncher } from '@batchite/cli';
import type { Clock } from '@batchite/retry';
import { startServer, type NodeLauncher, type RunningServer } from '@batchite/server';
import { dropPostgresStore, postgresStoreFor, usePostgres } from './pg-store.js';

export interface TestServer {
  readonly url: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** The dashboard token of this start, and the dashboard address that carries it (`…/ui#token=…`). */
  readonly dashboardToken: string;
  readonly dashboardUrl: string;
  /** The join token of `poolId` (agents register with it). */
  joinToken(poolId: string): string;
  readonly dataDir: string;
  /** Closes the server; keeps the data directory (used by restart tests). */
  stop(): Promise<void>;
  /** Closes the server (if still running) and removes the data directory unless it was given by the caller. */
  dispose(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse an existing data directory (restart tests); it is then never removed by `dispose`. */
  dataDir?: string;
  /**
   * Give pools real local nodes (`batchite agent` child processes, as `batchite serve` does), so tasks run.
   * Without it pools keep their targets but get no nodes. @defaultValue false
   */
  nodes?: boolean;
  /** Start pools' nodes with this launcher instead (implies nodes). */
  nodeLauncher?: NodeLauncher;
  /** Starts the nodes of `slurm:` pools (test/support/slurm.ts has a cluster for it). */
  slurmLauncher?: NodeLauncher;
  /** The server's clock (a FakeClock in tests of time-driven behaviour). @defaultValue the system clock */
  clock?: Clock;
  /** The linked storage account's connection string (`resourceFiles[].autoStorageContainerName`). */
  storage?: string;
}

/** Creates a fresh temporary data directory under the OS temp dir. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'batchite-compat-'));
}

/** Removes a data directory made by `makeDataDir`. */
export function removeDataDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await makeDataDir());
  let running: RunningServer | undefined;
  try {
    running = await startServer({
      port: 0,
      dataDir,
      logLevel: false,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(usePostgres() ? { store: await postgresStoreFor(dataDir) } : {}),
      ...(options.nodes === true ? { nodeLauncher: childProcessNodeLauncher({ stdio: 'ignore' }) } : {}),
      ...(options.storage === undefined ? {} : { storage: options.storage }),
      ...(options.nodeLauncher === undefined ? {} : { nodeLauncher: options.nodeLauncher }),
      ...(options.slurmLauncher === undefined ? {} : { slurmLauncher: options.slurmLauncher }),
    });
  } catch (error) {
    if (ownsDir) await removeDataDir(dataDir);
    throw error;
  }
  const server = running;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    url: server.url,
    accountName: server.accountName,
    accountKey: server.accountKey,
    dashboardToken: server.dashboardToken,
    dashboardUrl: server.dashboardUrl,
    joinToken: (poolId) => server.joinToken(poolId),
    dataDir,
    stop,
    dispose: async () => {
      await stop();
      if (ownsDir) await removeDataDir(dataDir);
      if (ownsDir && usePostgres()) await dropPostgresStore(dataDir);
    },
  };
}

export interface ServerHandle {
  /** The server of the enclosing suite; only valid inside tests and hooks. */
  readonly server: TestServer;
}

/**
 * Registers `before`/`after` hooks in the enclosing `describe` that start one server for the suite and dispose of
 * it (server closed, data directory removed) afterwards.
 */
export function withServer(options: TestServerOptions = {}): ServerHandle {
  let current: TestServer | undefined;
  before(async () => {
    current = await startTestServer(options);
  });
  after(async () => {
    await current?.dispose();
  });
  return {
    get server(): TestServer {
      if (current === undefined)
        throw new Error('withServer: server not started (use it inside tests/hooks)');
      return current;
    },
  };
}
