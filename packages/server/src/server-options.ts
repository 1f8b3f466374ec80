import type { Clock, Random } from '@batchite/retry';
import type { RateLimitOptions } from './admission/rate-limiter.js';
import type { LocalPoolOptions } from './services/local-pool.js';
import type { NodeLauncher } from './services/node-launcher.js';
import type { LeaseSettings } from './services/service-context.js';

/** The well-known development account, like Azurite's; refused on non-loopback hosts (key-guard.ts). */
export { WELL_KNOWN_ACCOUNT } from '@batchite/protocol';

export interface ServerOptions {
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @defaultValue 10100 */
  port?: number;
  /** Data directory for the embedded SQLite store and task directories. @defaultValue './.batchite' */
  dataDir?: string;
  /** Store URL: `sqlite:PATH` or `postgres://…`. @defaultValue `sqlite:<dataDir>/batchite.db` */
  store?: string;
  /** @defaultValue WELL_KNOWN_ACCOUNT.name */
  accountName?: string;
  /**
   * Base64 account key. Off loopback it must decode to at least 32 bytes and not be the well-known key
   * (`checkAccountKey`). @defaultValue WELL_KNOWN_ACCOUNT.key
   */
  accountKey?: string;
  /**
   * The dashboard token: with the account key, the credential of the dashboard API, `/metrics` and the health
   * details. Fix it to give Prometheus a credential that is not the account key. @defaultValue random per start
   */
  dashboardToken?: string;
  /** Longest time the store gauges of `/metrics` may be stale. @defaultValue DEFAULT_STORE_SNAPSHOT.refreshMs */
  metricsRefreshMs?: number;
  /** Injected clock (tests). @defaultValue the system clock */
  clock?: Clock;
  /** Injected randomness (tests). @defaultValue Math.random */
  random?: Random;
  /** pino log level, or false for no logs. @defaultValue 'info' */
  logLevel?: string | false;
  /**
   * One log line per HTTP request (fastify's `incoming request` / `request completed`). Off by default: agents'
   * heartbeats and polls would bury the lines that matter. @defaultValue false
   */
  logRequests?: boolean;
  /** Where log lines go (pino JSON lines, one per write). @defaultValue stdout */
  logDestination?: { write(line: string): void };
  /** Node lease timing. @defaultValue DEFAULT_SERVER_OPTIONS.leases */
  leases?: Partial<LeaseSettings>;
  /** Creates (or resizes) the pool `batchite serve` provides. @defaultValue none */
  localPool?: LocalPoolOptions;
  /** Starts local agents for every pool's target node count. Without one, nodes must join by themselves. */
  nodeLauncher?: NodeLauncher;
  /**
   * Starts the nodes of pools whose vmSize is `slurm:<partition>:<cpus>[:<memory>]`, each a Slurm job running
   * `batchite agent` (docs/slurm.md). Without one, such pools' nodes must join by themselves. @defaultValue none
   */
  slurmLauncher?: NodeLauncher;
  /**
   * Local node quota: most agents the node launcher runs for all pools together; a resize beyond it gets
   * `AccountCoreQuotaReached` in the pool's resizeErrors. @defaultValue defaultMaxNodes(): max(2, CPUs × 2)
   */
  maxNodes?: number;
  /** Per-account rate limit → 429 TooManyRequests with Retry-After. @defaultValue off */
  rateLimit?: RateLimitOptions;
  /** Batch requests handled at once before 503 ServerBusy. @defaultValue 512 */
  maxInFlight?: number;
  /** JSON fault rule file loaded at start (docs/faults.md). @defaultValue none */
  faultsFile?: string;
  /**
   * The linked storage account (a connection string; `UseDevelopmentStorage=true` for Azurite) whose
   * containers `resourceFiles[].autoStorageContainerName` names (docs/storage.md). @defaultValue none
   */
  storage?: string;
}

export interface RunningServer {
  /** Base URL clients use, e.g. `http://127.0.0.1:10100`. */
  readonly url: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** The dashboard token of this start (see `ServerOptions.dashboardToken`). */
  readonly dashboardToken: string;
  /** Ready-to-open dashboard address carrying the token in its fragment: `<url>/ui#token=…`. */
  readonly dashboardUrl: string;
  /** Absolute data directory (task directories live under `workitems/`). */
  readonly dataDir: string;
  /** The join token agents of `poolId` register with (docs/node-api.md); the pool need not exist yet. */
  joinToken(poolId: string): string;
  /** Stops accepting requests, waits for in-flight ones, closes the store. */
  close(): Promise<void>;
}
