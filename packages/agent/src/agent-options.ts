/**
 * Options of `startAgent`, their defaults (one frozen `DEFAULT_AGENT_OPTIONS`) and their one-time resolution.
 * Lease, heartbeat and long-poll timings are NOT options: the server hands them out at register.
 */
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { systemClock, type Clock, type RetryOptions } from '@batchite/retry';
import { silentLogger, type AgentLogger } from './logger.js';
import { canManageNodeUsers } from './node-users.js';

export interface AgentOptions {
  /** Base URL of the Batchite server, e.g. `http://127.0.0.1:10100`. */
  serverUrl: string;
  /** Pool to join. */
  poolId: string;
  /**
   * The pool's join token (docs/node-api.md): the agent registers with it and then uses the node token the
   * server issues. It can do nothing but node work; the account key never reaches an agent.
   */
  joinToken: string;
  /** `AZ_BATCH_NODE_ROOT_DIR`: task directories live in `<rootDir>/workitems/…`. */
  rootDir: string;
  /** Task slots of this node. Default: the pool's `taskSlotsPerNode` (decided by the server). */
  slots?: number;
  /** Node id to register under, so a restarted agent keeps its identity. Default: the server picks one. */
  nodeId?: string;
  /** Host name reported to the server. Default: `os.hostname()`. */
  hostname?: string;
  /** Time source and timers (heartbeats, retry waits, wall-clock limits). Default: `systemClock`. */
  clock?: Clock;
  /** Where the agent logs. Default: silent. */
  logger?: AgentLogger;
  /** Overrides of the agent's retry policy (merged over `DEFAULT_AGENT_OPTIONS.retry`). */
  retry?: RetryOptions;
  /** Overrides of the resource file download policy (merged over `DEFAULT_AGENT_OPTIONS.downloadRetry`). */
  downloadRetry?: RetryOptions;
  /** Limit of one HTTP request; a claim adds its long-poll wait. Default 30 000 ms. */
  requestTimeoutMs?: number;
  /** How long `startAgent` keeps trying to register before it rejects. Default 120 000 ms. */
  registerTimeoutMs?: number;
  /** How long `close()` keeps trying to deliver finished results and to leave. Default 10 000 ms. */
  closeTimeoutMs?: number;
  /** System part of the tasks' PATH. Default: the agent's own PATH. */
  systemPath?: string;
  /** Start a file server so a server on another machine can read this node's task files. @defaultValue none */
  fileServer?: FileServerSettings;
  /**
   * Offer node user accounts (Compute Node - Add User): the agent creates OS users for them. Possible only as
   * root with `useradd`; `false` declines even then (the server refuses the operations on this node).
   * @defaultValue true (when possible)
   */
  nodeUsers?: boolean;
}

/** Every default of the agent, in one place. */
export const DEFAULT_AGENT_OPTIONS = Object.freeze({
  requestTimeoutMs: 30_000,
  registerTimeoutMs: 120_000,
  closeTimeoutMs: 10_000,
  /**
   * The agent's retry policy: no attempt limit and no deadline unless a call sets one (a completion is retried
   * until answered), no retry budget (the agent is one client with a handful of calls in flight), waits from
   * 0.5 s growing to at most 10 s with full jitter, and the server's Retry-After honoured.
   */
  retry: Object.freeze({
    maxAttempts: Number.POSITIVE_INFINITY,
    deadlineMs: Number.POSITIVE_INFINITY,
    baseDelayMs: 500,
    throttleBaseDelayMs: 1_000,
    maxDelayMs: 10_000,
    budget: false,
  } satisfies RetryOptions),
  /**
   * Resource file downloads: a storage endpoint that stays down fails the task after 8 attempts or 10 minutes
   * per request (one list page, one file) instead of holding its slot; Retry-After answers do not count as
   * attempts and pause every download to that host (the host gate). No retry budget: a node has at most one
   * download per slot in flight, and each is bounded by its attempts and deadline, so a budget would only turn
   * a brief storage hiccup into failed tasks.
   */
  downloadRetry: Object.freeze({
    maxAttempts: 8,
    deadlineMs: 600_000,
    baseDelayMs: 500,
    maxDelayMs: 10_000,
    budget: false,
  } satisfies RetryOptions),
});

export interface ResolvedAgentOptions {
  readonly serverUrl: string;
  readonly poolId: string;
  readonly joinToken: string;
  readonly rootDir: string;
  readonly slots: number | undefined;
  readonly nodeId: string | undefined;
  readonly hostname: string;
  readonly clock: Clock;
  readonly logger: AgentLogger;
  readonly retry: RetryOptions;
  readonly downloadRetry: RetryOptions;
  readonly requestTimeoutMs: number;
  readonly registerTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly systemPath: string | undefined;
  readonly fileServer: FileServerSettings | undefined;
  /** The agent manages node user accounts (asked for, and possible here). */
  readonly manageUsers: boolean;
}

/** Serve task files over HTTP for a server on another machine (docs/node-api.md). */
export interface FileServerSettings {
  host: string;
  port: number;
  /** URL the server uses to reach it. @defaultValue `http://host:port` */
  advertiseUrl?: string;
}

function requireText(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`AgentOptions.${name} must be a non-empty string`);
  return value;
}

function positive(name: string, value: unknown, fallback: number): number {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' || !(chosen > 0))
    throw new TypeError(`AgentOptions.${name} must be a number > 0`);
  return chosen;
}

/** Fills in defaults and validates once; throws `TypeError` naming the bad option. */
export function resolveAgentOptions(options: AgentOptions): ResolvedAgentOptions {
  const d = DEFAULT_AGENT_OPTIONS;
  const serverUrl = requireText('serverUrl', options.serverUrl);
  if (!URL.canParse(serverUrl)) throw new TypeError(`AgentOptions.serverUrl is not a URL: ${serverUrl}`);
  const slots = options.slots;
  if (slots !== undefined && !(Number.isInteger(slots) && slots >= 1)) {
    throw new TypeError('AgentOptions.slots must be a whole number >= 1');
  }
  const clock = options.clock ?? systemClock;
  return Object.freeze({
    serverUrl,
    poolId: requireText('poolId', options.poolId),
    joinToken: requireText('joinToken', options.joinToken),
    rootDir: resolve(requireText('rootDir', options.rootDir)),
    slots,
    nodeId: options.nodeId === undefined ? undefined : requireText('nodeId', options.nodeId),
    hostname: options.hostname ?? osHostname(),
    clock,
    logger: options.logger ?? silentLogger,
    retry: { ...d.retry, clock, ...options.retry },
    downloadRetry: { ...d.downloadRetry, clock, ...options.downloadRetry },
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, d.requestTimeoutMs),
    registerTimeoutMs: positive('registerTimeoutMs', options.registerTimeoutMs, d.registerTimeoutMs),
    closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs, d.closeTimeoutMs),
    systemPath: options.systemPath,
    fileServer: options.fileServer,
    manageUsers: options.nodeUsers !== false && canManageNodeUsers(),
  });
}
