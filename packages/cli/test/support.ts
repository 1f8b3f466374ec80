/**
 * Test harness: a real server on port 0 with local nodes (agent child processes) and the `batchite` command run as
 * a user runs it — a spawned process pointed at the server by environment variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient } from '@batchite/client';
import { startServer, type RunningServer } from '@batchite/server';
import { childProcessNodeLauncher, DEFAULT_BIN_PATH } from '../src/local-agents.js';

export interface TestServer {
  server: RunningServer;
  /** For setting situations up and waiting on them in-process (what is asserted goes through the CLI). */
  client: BatchClient;
  /** Environment that points the CLI at this server. */
  env: NodeJS.ProcessEnv;
  /** A scratch directory removed with the server. */
  scratch: string;
  dispose(): Promise<void>;
}

export async function testServer(): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'batchite-cli-'));
  const scratch = mkdtempSync(join(tmpdir(), 'batchite-cli-scratch-'));
  // Tasks write markers and wait for gates here; under a root agent each runs as its own user.
  chmodSync(scratch, 0o777);
  const server = await startServer({
    port: 0,
    dataDir,
    logLevel: false,
    localPool: { nodes: 2, slots: 4 },
    nodeLauncher: childProcessNodeLauncher({ stdio: 'ignore' }),
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BATCHITE_ENDPOINT: server.url,
    BATCHITE_ACCOUNT_NAME: server.accountName,
    BATCHITE_ACCOUNT_KEY: server.accountKey,
    NO_COLOR: '1',
  };
  delete env.FORCE_COLOR;
  const client = new BatchClient({
    endpoint: server.url,
    accountName: server.accountName,
    accountKey: server.accountKey,
  });
  return {
    server,
    client,
    env,
    scratch,
    async dispose() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `batchite …`; `output()` resolves when it exits. */
export function startCli(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
): { child: ChildProcess; stdout: () => string; stderr: () => string; output: Promise<CliResult> } {
  const child = spawn(process.execPath, [DEFAULT_BIN_PATH, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const output = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, output };
}

/** Runs `batchite …` to the end. */
export function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return startCli(env, args).output;
}

/** Runs `batchite … --json` (or with `-o json` already in args) and parses stdout; fails on a non-zero exit. */
export async function cliJson(env: NodeJS.ProcessEnv, ...args: string[]): Promise<any> {
  const result = await cli(env, ...args, '--json');
  if (result.code !== 0) throw new Error(`batchite ${args.join(' ')} → ${result.code}\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Polls `probe` until it returns a value other than undefined (conditions of a live system, not a fixed sleep). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A stack trace line (`    at fn (file:1:2)`), which the CLI must never print. */
export const STACK_LINE = /^\s+at .+\(?.*:\d+:\d+\)?$/m;
