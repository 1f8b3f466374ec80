/**
 * `batchite serve` as a real child process, the way an operator starts it: used by the suites that kill the
 * server (-9), restart it on the same port and data directory, or need its account key outside the test process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DEFAULT_BIN_PATH } from '@batchite/cli';

/** Upper bound for one `batchite serve` start (a safety net, not a pace). */
const SERVE_TIMEOUT_MS = 60_000;

/** What `serve` prints once it listens (the banner's endpoint line). */
const READY_MARKER = 'endpoint:';

/** A port that was free a moment ago on 127.0.0.1 (a restarted server must come back on the same one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface ServeProcessOptions {
  port: number;
  dataDir: string;
  /** Local agents. */
  nodes: number;
  /** Slots per local agent. */
  slots: number;
  /** Extra environment (e.g. the account's name and key). Default: the test process's environment. */
  env?: Record<string, string>;
}

/** Starts `batchite serve` (logging silenced); resolves once it listens, rejects if it exits first. */
export async function startServeProcess(options: ServeProcessOptions): Promise<ChildProcess> {
  const args = [DEFAULT_BIN_PATH, 'serve', '--port', String(options.port), '--data', options.dataDir];
  args.push('--nodes', String(options.nodes), '--slots', String(options.slots), '--log-level', 'silent');
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), SERVE_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY_MARKER)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited early (${code}): ${output}`));
    });
  });
  return child;
}

/** SIGKILLs `child` (no clean-up of any kind, like a crash); resolves once it is gone. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
