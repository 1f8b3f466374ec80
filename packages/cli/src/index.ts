export { buildProgram } from './program.js';
export { childProcessNodeLauncher, DEFAULT_BIN_PATH, type ChildNodeLauncherOptions } from './local-agents.js';
export { DEFAULT_SLURM_POLL_MS, slurmNodeLauncher, type SlurmNodeLauncherOptions } from './slurm-agents.js';
