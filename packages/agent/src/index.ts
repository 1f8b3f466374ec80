/**
 * @batchite/agent — the Batchite node agent: joins a pool, claims tasks with a lease, runs them as real child
 * processes (argv split like Azure Batch, no shell; `stdout.txt`/`stderr.txt`/`wd/` as on a Linux node) and
 * reports their results. Talks only to the server's node API (docs/node-api.md), never to the database.
 */
export { startAgent, completionReport, type AgentExit, type RunningAgent } from './agent.js';
export {
  DEFAULT_AGENT_OPTIONS,
  resolveAgentOptions,
  type AgentOptions,
  type ResolvedAgentOptions,
} from './agent-options.js';
export { CommandLineError, splitCommandLine, type CommandLineErrorCode } from './command-line.js';
export { silentLogger, type AgentLogger } from './logger.js';
export * from './node-api.js';
export { NodeApiError } from './node-http.js';
export {
  lookupProgram,
  type LaunchError,
  type LaunchErrorCode,
  type ProgramLookup,
} from './program-lookup.js';
export { ServerLink, nodeApiClassifier, type ServerLinkOptions } from './server-link.js';
export {
  STANDARD_SYSTEM_PATH,
  assertSafeId,
  buildTaskEnvironment,
  nodeDirectories,
  taskDirectories,
  type NodeDirectories,
  type RunKind,
  type TaskDirectories,
  type TaskEnvironmentInput,
} from './task-environment.js';
export {
  AUTO_USER_GROUP,
  TaskUsers,
  canSwitchUsers,
  type TaskUser,
  type TaskUsersOptions,
} from './task-users.js';
export {
  DEFAULT_RUN_AS,
  runTask,
  signalExitCode,
  type KillReason,
  type RunningTask,
  type TaskOutcome,
  type TaskRunnerContext,
  type TaskSpec,
} from './task-runner.js';
