/**
 * Local nodes as child processes: each node is `batchite agent` started by the server, so a node can be
 * killed (kill -9) without touching the server, and all nodes die with the server (`--exit-with-parent`).
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { LaunchedNode, NodeLauncher, NodeLaunchRequest } from '@batchite/server';

export interface ChildNodeLauncherOptions {
  /** The `batchite` entry script. @defaultValue this package's bin.js */
  binPath?: string;
  /** Where agent output goes. @defaultValue 'inherit' */
  stdio?: 'inherit' | 'ignore';
  /** Grace period after SIGTERM before SIGKILL. @defaultValue 10000 */
  killAfterMs?: number;
}

export const DEFAULT_BIN_PATH = fileURLToPath(new URL('./bin.js', import.meta.url));

/** The environment minus every `BATCHITE_*` variable (account key, endpoint, data dir). */
export function withoutBatchiteVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('BATCHITE_')));
}

export function childProcessNodeLauncher(options: ChildNodeLauncherOptions = {}): NodeLauncher {
  return {
    launch(request: NodeLaunchRequest): LaunchedNode {
      const args = [
        options.binPath ?? DEFAULT_BIN_PATH,
        'agent',
        '--server',
        request.serverUrl,
        '--pool',
        request.poolId,
        '--node-id',
        request.nodeId,
        '--slots',
        String(request.slots),
        '--root',
        request.rootDir,
        '--exit-with-parent',
        '--join-token-file',
        '-',
      ];
      const child = spawn(process.execPath, args, {
        // No BATCHITE_* variable (the account key) reaches an agent: its environment is readable by its tasks
        // when it cannot switch users.
        env: withoutBatchiteVariables(process.env),
        // stdin carries the join token (first line), then is a lifeline: however this process ends, the agent
        // sees its pipe close and stops at once.
        stdio: ['pipe', options.stdio ?? 'inherit', options.stdio ?? 'inherit'],
      });
      const lifeline = child.stdin as Socket | null;
      lifeline?.on('error', () => undefined);
      lifeline?.write(`${request.joinToken}\n`);
      lifeline?.unref();
      const exited = new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.once('error', () => resolve());
      });
      return {
        nodeId: request.nodeId,
        ...(child.pid === undefined ? {} : { pid: child.pid }),
        exited,
        async stop(mode) {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill(mode === 'kill' ? 'SIGTERM' : 'SIGUSR2');
          if (mode === 'kill') {
            const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 10_000);
            await exited;
            clearTimeout(timer);
          } else {
            await exited;
          }
        },
      };
    },
  };
}
