/**
 * Shared parts of the identity and secrets suites: a real `batchite serve` child process (its account key in its
 * environment, as an operator starts it), its local agents, and tasks run to completion with their output read
 * from the task directory.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchClient } from '@batchite/client';
import type { TaskAddParameter } from '@batchite/protocol';
import { localTaskDir, nodeIdOf } from '../support/node-roots.js';
import { freePort, startServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

/** Why the user-switch tests cannot run here, or undefined when they can (CI runs as root). */
export const NOT_ROOT =
  process.getuid?.() === 0 ? undefined : 'needs root: only a root agent can run tasks as other users';

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dataDir: string;
  readonly account: { name: string; key: string };
  readonly client: BatchClient;
  stop(): Promise<void>;
}

/** `batchite serve` with a fresh secret key in its environment and `nodes` local agents of 2 slots. */
export async function startServe(dataDir: string, nodes = 2): Promise<ServeProcess> {
  const port = await freePort();
  const account = { name: 'secure', key: randomBytes(64).toString('base64') };
  const child = await startServeProcess({
    port,
    dataDir,
    nodes,
    slots: 2,
    env: { BATCHITE_ACCOUNT_NAME: account.name, BATCHITE_ACCOUNT_KEY: account.key },
  });
  const url = `http://127.0.0.1:${port}`;
  const client = new BatchClient({ endpoint: url, accountName: account.name, accountKey: account.key });
  return {
    child,
    url,
    dataDir,
    account,
    client,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface TaskResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** The task directory on this machine: in the root of the local node that runs or ran it. */
export async function taskDir(serve: ServeProcess, jobId: string, taskId: string): Promise<string> {
  const task = await serve.client.getTask(jobId, taskId);
  return localTaskDir(serve.dataDir, nodeIdOf(task), jobId, taskId);
}

/** Adds a task, waits until it completes and returns its exit code and output. */
export async function runToCompletion(
  serve: ServeProcess,
  jobId: string,
  task: TaskAddParameter,
): Promise<TaskResult> {
  await serve.client.createTask(jobId, task);
  const done = await waitFor(
    async () => {
      const current = await serve.client.getTask(jobId, task.id);
      return current.state === 'completed' ? current : undefined;
    },
    { timeoutMs: 60_000, what: `task ${task.id} to complete` },
  );
  const dir = await taskDir(serve, jobId, task.id);
  return {
    exitCode: done.executionInfo?.exitCode,
    stdout: await readFile(join(dir, 'stdout.txt'), 'utf8'),
    stderr: await readFile(join(dir, 'stderr.txt'), 'utf8'),
  };
}

/** Pids of the processes whose parent is `parentPid` (the server's local agents). */
export async function childPids(parentPid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may contain spaces): state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parentPid) pids.push(Number(entry));
  }
  return pids;
}
