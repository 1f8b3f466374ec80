export { startServer, DEFAULT_SERVER_OPTIONS } from './start-server.js';
export { WELL_KNOWN_ACCOUNT, type ServerOptions, type RunningServer } from './server-options.js';
export type { Store } from './store/store.js';
