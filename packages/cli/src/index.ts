export { buildProgram } from './program.js';
export { childProcessNodeLauncher, DEFAULT_BIN_PATH, type ChildNodeLauncherOptions } from './local-agents.js';
