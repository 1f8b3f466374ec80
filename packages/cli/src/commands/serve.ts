import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { RunningServer, ServerOptions } from '@batchite/server';
import { AZURITE_DEFAULT_PORT, startAzuriteProcess, type AzuriteProcess } from '../azurite-process.js';
import { childProcessNodeLauncher } from '../local-agents.js';
import { slurmNodeLauncher } from '../slurm-agents.js';
import { LOG_FORMATS, logDestination, wantsRequestLines, type LogFormat } from '../log-format.js';
import { removeServerContext, writeServerContext, type ServerContext } from '../server-context.js';

interface ServeFlags {
  host?: string;
  port?: string;
  data?: string;
  store?: string;
  logLevel: string;
  logFormat: string;
  nodes: string;
  slots: string;
  localNodes: boolean;
  maxNodes?: string;
  rateLimit?: string;
  maxInFlight?: string;
  faults?: string;
  leaseMs?: string;
  storage?: string;
  /** `--with-azurite` alone: true (port 10000); with a value: that port. */
  withAzurite?: boolean | string;
  slurm?: boolean;
  slurmDir?: string;
  slurmAccount?: string;
  slurmTimeLimit?: string;
  slurmPollMs?: string;
}

function parseCount(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`invalid ${name} '${text}' (an integer ≥ ${min})`);
  return value;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port '${text}'`);
  return port;
}

function logFormat(flags: ServeFlags): LogFormat {
  const format = LOG_FORMATS.find((name) => name === flags.logFormat);
  if (format === undefined)
    throw new Error(`invalid --log-format '${flags.logFormat}' (${LOG_FORMATS.join(' or ')})`);
  return format;
}

/** What the terminal shows once the server listens (tests wait for its `endpoint:` line). */
function banner(
  server: RunningServer,
  key: string,
  flags: ServeFlags,
  azurite: AzuriteProcess | undefined,
): string[] {
  const storage =
    azurite === undefined
      ? []
      : [
          `  storage:      ${azurite.blobEndpoint} (Azurite, linked: autoStorageContainerName works)`,
          `  storage connection string: ${azurite.connectionString}`,
        ];
  return [
    `Batchite is listening.`,
    `  endpoint:     ${server.url}`,
    `  dashboard:    ${server.dashboardUrl}`,
    `  account name: ${server.accountName}`,
    `  account key:  ${key}`,
    `  data:         ${server.dataDir}`,
    ...storage,
    flags.localNodes
      ? `  pool "local":  ${flags.nodes} node(s) × ${flags.slots} slot(s)`
      : `  no local nodes`,
    `Try it in another terminal: npx batchite run examples/commands.txt`,
    wantsRequestLines(flags.logLevel, logFormat(flags))
      ? `Logs below include every request.`
      : `Logs below: one line per event (job completed, node joined or lost, errors); --log-level debug adds every request.`,
  ];
}

/** Azurite's port from `--with-azurite [port]`; undefined without the flag. */
function azuritePort(flags: ServeFlags): number | undefined {
  const value = flags.withAzurite;
  if (value === undefined || value === false) return undefined;
  if (flags.storage !== undefined && flags.storage !== '')
    throw new Error('--with-azurite links Azurite as the storage: leave out --storage (or BATCHITE_STORAGE)');
  return value === true ? AZURITE_DEFAULT_PORT : parsePort(value);
}

/** Starts Azurite when asked, with its data in the server's data directory. */
async function startStorage(flags: ServeFlags, options: ServerOptions): Promise<AzuriteProcess | undefined> {
  const port = azuritePort(flags);
  if (port === undefined) return undefined;
  const { DEFAULT_SERVER_OPTIONS } = await import('@batchite/server');
  const host = options.host ?? DEFAULT_SERVER_OPTIONS.host;
  const dataDir = resolve(options.dataDir ?? DEFAULT_SERVER_OPTIONS.dataDir);
  return startAzuriteProcess({ host, port, dataDir });
}

/** The server's options from the flags (flags beat environment variables; the rest is `DEFAULT_SERVER_OPTIONS`). */
async function serverOptions(flags: ServeFlags): Promise<ServerOptions> {
  const { DEFAULT_SERVER_OPTIONS, WELL_KNOWN_ACCOUNT } = await import('@batchite/server');
  const options: ServerOptions = {
    host: flags.host ?? DEFAULT_SERVER_OPTIONS.host,
    port: parsePort(flags.port ?? String(DEFAULT_SERVER_OPTIONS.port)),
    dataDir: flags.data ?? DEFAULT_SERVER_OPTIONS.dataDir,
    accountName: process.env.BATCHITE_ACCOUNT_NAME ?? WELL_KNOWN_ACCOUNT.name,
    accountKey: process.env.BATCHITE_ACCOUNT_KEY ?? WELL_KNOWN_ACCOUNT.key,
    logLevel: flags.logLevel === 'silent' ? false : flags.logLevel,
    logRequests: wantsRequestLines(flags.logLevel, logFormat(flags)),
    logDestination: logDestination(logFormat(flags), process.stdout),
  };
  const dashboardToken = process.env.BATCHITE_DASHBOARD_TOKEN;
  if (dashboardToken !== undefined && dashboardToken !== '') options.dashboardToken = dashboardToken;
  if (flags.store !== undefined) options.store = flags.store;
  if (flags.rateLimit !== undefined)
    options.rateLimit = { ratePerSecond: parseCount('--rate-limit', flags.rateLimit, 1) };
  if (flags.maxInFlight !== undefined)
    options.maxInFlight = parseCount('--max-in-flight', flags.maxInFlight, 1);
  if (flags.faults !== undefined) options.faultsFile = flags.faults;
  if (flags.storage !== undefined && flags.storage !== '') options.storage = flags.storage;
  if (flags.maxNodes !== undefined) options.maxNodes = parseCount('--max-nodes', flags.maxNodes, 0);
  if (flags.leaseMs !== undefined) {
    // Agents heartbeat at least four times per lease, so one lost heartbeat never costs a node.
    const leaseMs = parseCount('--lease-ms', flags.leaseMs, 1000);
    options.leases = { leaseMs, heartbeatMs: Math.min(2000, Math.floor(leaseMs / 4)) };
  }
  if (flags.slurm === true) {
    options.slurmLauncher = slurmNodeLauncher({
      dir: resolve(flags.slurmDir ?? join(options.dataDir ?? '.', 'slurm')),
      ...(flags.slurmAccount === undefined ? {} : { account: flags.slurmAccount }),
      ...(flags.slurmTimeLimit === undefined ? {} : { timeLimit: flags.slurmTimeLimit }),
      ...(flags.slurmPollMs === undefined
        ? {}
        : { pollMs: parseCount('--slurm-poll-ms', flags.slurmPollMs, 100) }),
    });
  }
  if (flags.localNodes) {
    options.localPool = {
      nodes: parseCount('--nodes', flags.nodes, 0),
      slots: parseCount('--slots', flags.slots, 1),
    };
    options.nodeLauncher = childProcessNodeLauncher();
  }
  return options;
}

/**
 * `batchite serve`: the API server with its embedded store. Flags beat environment variables. The server package
 * is loaded only when this command runs, so the client commands start fast; the defaults in the help text are
 * `DEFAULT_SERVER_OPTIONS`, applied in the action.
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the Batch API server (embedded SQLite store in --data).')
    .option('--host <host>', 'interface to listen on (default: 127.0.0.1)', process.env.BATCHITE_HOST)
    .option(
      '--port <port>',
      'port to listen on, 0 = any free port (default: 10100)',
      process.env.BATCHITE_PORT,
    )
    .option('--data <dir>', 'data directory (default: ./.batchite)', process.env.BATCHITE_DATA_DIR)
    .option(
      '--store <url>',
      'store URL: sqlite:PATH (default: sqlite:<data>/batchite.db)',
      process.env.BATCHITE_STORE,
    )
    .option(
      '--log-level <level>',
      'pino log level: info shows events (jobs completed, nodes joined or lost, errors), debug adds every request; silent turns logs off',
      process.env.BATCHITE_LOG_LEVEL ?? 'info',
    )
    .option(
      '--log-format <format>',
      'pretty (one readable line per event) or json (pino lines, with every request)',
      process.env.BATCHITE_LOG_FORMAT ?? 'pretty',
    )
    .option('--nodes <n>', 'nodes (local agents) in pool "local"', process.env.BATCHITE_NODES ?? '1')
    .option(
      '--slots <n>',
      'task slots per node of pool "local"',
      process.env.BATCHITE_SLOTS ?? String(availableParallelism()),
    )
    .option('--no-local-nodes', 'start no local agents: nodes join with `batchite agent`')
    .option(
      '--max-nodes <n>',
      'most local agents for all pools together (default: max(2, CPUs × 2))',
      process.env.BATCHITE_MAX_NODES,
    )
    .option(
      '--rate-limit <n>',
      'requests per second per account before 429 TooManyRequests (default: off)',
      process.env.BATCHITE_RATE_LIMIT,
    )
    .option(
      '--max-in-flight <n>',
      'Batch requests handled at once before 503 ServerBusy',
      process.env.BATCHITE_MAX_IN_FLIGHT,
    )
    .option(
      '--storage <connection-string>',
      'linked storage account for resourceFiles autoStorageContainerName (UseDevelopmentStorage=true: Azurite)',
      process.env.BATCHITE_STORAGE,
    )
    .option(
      '--with-azurite [port]',
      `start Azurite's blob service on this port (default: ${AZURITE_DEFAULT_PORT}, 0 = any free port), data in <data>/azurite, linked as the storage account`,
    )
    .option('--faults <file>', 'JSON fault rules to inject (docs/faults.md)', process.env.BATCHITE_FAULTS)
    .option(
      '--lease-ms <ms>',
      'how long a silent node keeps its tasks before they are requeued (default 20000)',
      process.env.BATCHITE_LEASE_MS,
    )
    .option(
      '--slurm',
      'start the nodes of slurm:<partition>:<cpus>[:<memory>] pools as Slurm jobs (docs/slurm.md)',
    )
    .option(
      '--slurm-dir <dir>',
      'job scripts, join tokens and job output of Slurm nodes; compute nodes must read it (default: <data>/slurm)',
      process.env.BATCHITE_SLURM_DIR,
    )
    .option(
      '--slurm-account <account>',
      'sbatch --account of Slurm nodes',
      process.env.BATCHITE_SLURM_ACCOUNT,
    )
    .option(
      '--slurm-time-limit <time>',
      "sbatch --time of Slurm nodes (default: the partition's limit)",
      process.env.BATCHITE_SLURM_TIME_LIMIT,
    )
    .option(
      '--slurm-poll-ms <ms>',
      'how often squeue is read (default 2000)',
      process.env.BATCHITE_SLURM_POLL_MS,
    )
    .action(async (flags: ServeFlags) => {
      const { isWellKnownKey, startServer } = await import('@batchite/server');
      const options = await serverOptions(flags);
      const azurite = await startStorage(flags, options);
      if (azurite !== undefined) options.storage = azurite.connectionString;
      let server: RunningServer;
      try {
        server = await startServer(options);
      } catch (error) {
        await azurite?.stop();
        throw error;
      }
      // A real key never goes to the terminal (or the logs that capture it); the development key is public.
      const wellKnownKey = isWellKnownKey(server.accountKey);
      const key = wellKnownKey ? server.accountKey : '(from BATCHITE_ACCOUNT_KEY, not shown)';
      const context: ServerContext = {
        endpoint: server.url,
        accountName: server.accountName,
        pid: process.pid,
      };
      if (wellKnownKey) context.accountKey = server.accountKey;
      const contextPath = writeServerContext(server.dataDir, context);
      process.stdout.write(`${banner(server, key, flags, azurite).join('\n')}\n`);
      const stop = () => {
        removeServerContext(contextPath, process.pid);
        void server
          .close()
          .then(() => azurite?.stop())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
