export { startServer, DEFAULT_SERVER_OPTIONS } from './start-server.js';
export { WELL_KNOWN_ACCOUNT, type ServerOptions, type RunningServer } from './server-options.js';
export { checkAccountKey, isWellKnownKey, KeyGuardError, MIN_KEY_BYTES } from './key-guard.js';
export type { Store } from './store/store.js';
export type {
  EngineNodeState,
  LaunchedNode,
  NodeLauncher,
  NodeLaunchRequest,
} from './services/node-launcher.js';
export { isSlurmVmSize, parseSlurmShape, type SlurmShape } from './services/slurm-shape.js';
export type { LocalPoolOptions } from './services/local-pool.js';
export type { LeaseSettings } from './services/service-context.js';
export { DEFAULT_NODE_QUOTA, defaultMaxNodes } from './services/node-quota.js';
export { issueJobToken, type JobTokenClaims } from './http/job-token.js';
export { localNodeRoot } from './services/local-node-roots.js';
