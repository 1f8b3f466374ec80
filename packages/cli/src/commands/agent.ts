import { fstatSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { readJoinToken } from '../join-token.js';

interface AgentFlags {
  server: string;
  pool: string;
  slots?: string;
  root: string;
  nodeId?: string;
  exitWithParent?: boolean;
  filesListen?: string;
  filesUrl?: string;
  joinTokenFile?: string;
  nodeUsers: boolean;
}

/** `host:port` → the file server settings; the port may be 0 (any free port). */
function fileServerOf(listen: string | undefined, advertiseUrl: string | undefined) {
  if (listen === undefined) return undefined;
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) throw new Error(`--files-listen must be host:port (got '${listen}')`);
  return {
    host: match[1] === '' ? '0.0.0.0' : (match[1] as string),
    port: Number(match[2]),
    ...(advertiseUrl === undefined ? {} : { advertiseUrl }),
  };
}

/** How often an agent started by a server checks that its server is still alive. */
const PARENT_CHECK_MS = 500;

/**
 * `batchite agent`: joins a pool and runs its tasks. SIGTERM/SIGINT stop at once (running tasks are killed,
 * the server requeues them); SIGUSR2 drains (no new tasks, running ones finish) and then leaves.
 */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Join a pool as a node and run its tasks.')
    .requiredOption('--server <url>', 'Batchite server URL', process.env.BATCHITE_ENDPOINT)
    .requiredOption('--pool <id>', 'pool to join')
    .option('--slots <n>', 'task slots (default: the pool taskSlotsPerNode)')
    .option('--root <dir>', 'root of task directories', process.env.BATCHITE_DATA_DIR ?? './.batchite')
    .option('--node-id <id>', 'node id to use (keeps identity across restarts)')
    .option(
      '--join-token-file <file>',
      "file holding the pool's join token (`batchite pool join-token POOL`); - reads the first line of stdin",
    )
    .option(
      '--exit-with-parent',
      'exit when the parent process (the server that started us) is gone, or when stdin is a pipe that ends',
    )
    .option('--files-listen <host:port>', "serve this node's task files for a server on another machine")
    .option('--files-url <url>', 'URL the server uses to reach the file server (default: http://host:port)')
    .option(
      '--no-node-users',
      'decline node user accounts (Compute Node - Add User) even when running as root',
    )
    .action(async (flags: AgentFlags) => {
      // Loaded here, not at the top, so the client commands do not pay for them.
      const { startAgent } = await import('@batchite/agent');
      const agent = await startAgent({
        serverUrl: flags.server,
        poolId: flags.pool,
        joinToken: await readJoinToken(flags.joinTokenFile),
        rootDir: flags.root,
        hostname: hostname(),
        nodeUsers: flags.nodeUsers,
        ...(flags.slots === undefined ? {} : { slots: Number(flags.slots) }),
        ...(flags.nodeId === undefined ? {} : { nodeId: flags.nodeId }),
        ...(flags.filesListen === undefined
          ? {}
          : { fileServer: fileServerOf(flags.filesListen, flags.filesUrl)! }),
      });
      let stopping = false;
      const stop = (drain: boolean) => {
        if (stopping) return;
        stopping = true;
        const done = drain ? agent.stop().then(() => agent.close()) : agent.close();
        void done.finally(() => process.exit(0));
      };
      process.once('SIGTERM', () => stop(false));
      process.once('SIGINT', () => stop(false));
      process.once('SIGUSR2', () => stop(true));
      // The agent gives up on its own when the server refuses it for good (another agent took its node id).
      void agent.finished.then((exit) => {
        if (!stopping) process.exit(exit.reason === 'failed' ? 1 : 0);
      });
      if (flags.exitWithParent === true) {
        // A parent that starts us with a pipe as stdin (the server's local nodes) is gone when the pipe ends:
        // noticed at once, even after a kill -9 — a poll leaves a window in which a restarted server could
        // hand this orphan work that the new agent of the same node id is also given.
        // Node's `spawn` with stdio 'pipe' hands the child a socket pair, not a FIFO: watch either.
        const stdin = fstatSync(0);
        if (stdin.isFIFO() || stdin.isSocket()) {
          process.stdin.once('close', () => stop(false));
          process.stdin.on('data', () => undefined).resume();
        }
        const parent = process.ppid;
        setInterval(() => {
          if (process.ppid !== parent) stop(false);
        }, PARENT_CHECK_MS).unref();
      }
    });
}
