/**
 * The server context file, like a kube context: `batchite serve` writes `<data dir>/server.json` (its endpoint and
 * account name, and the key only when it is the public development key) and removes it on a clean stop; the client
 * commands read it, so `npx batchite …` finds the server `npm start` started on another port or account without
 * flags. A real key never lands in the file: the CLI then needs BATCHITE_ACCOUNT_KEY or --account-key.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const CONTEXT_FILE_NAME = 'server.json';

/** The data directory `serve` uses when neither --data nor BATCHITE_DATA_DIR says otherwise. */
const DEFAULT_DATA_DIR = '.batchite';

export interface ServerContext {
  endpoint: string;
  accountName: string;
  /** Present only when it is the well-known development key. */
  accountKey?: string;
  /** The serving process, to tell a live context from one a crash left behind. */
  pid: number;
}

export interface FoundContext extends ServerContext {
  /** The file it came from (named in errors, so a stale file is easy to spot). */
  path: string;
}

export function writeServerContext(dataDir: string, context: ServerContext): string {
  const path = join(dataDir, CONTEXT_FILE_NAME);
  // 0600 from the first byte: the file names an account, and other local users have no business reading it.
  writeFileSync(path, `${JSON.stringify(context, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/** Removes the file if it is still ours (a newer server on the same data directory may have replaced it). */
export function removeServerContext(path: string, pid: number): void {
  const context = parseContext(path);
  if (context?.pid === pid) rmSync(path, { force: true });
}

/**
 * The context of the server started from here: BATCHITE_DATA_DIR's file, else `.batchite/server.json` in the
 * current directory or the nearest parent that has one (a sub-directory of the checkout finds it too). Undefined
 * when there is none, it does not parse, or the process that wrote it is gone.
 */
export function findServerContext(
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): FoundContext | undefined {
  const dataDir = env.BATCHITE_DATA_DIR;
  if (dataDir !== undefined && dataDir !== '') return liveContext(resolve(cwd, dataDir, CONTEXT_FILE_NAME));
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const path = join(dir, DEFAULT_DATA_DIR, CONTEXT_FILE_NAME);
    if (existsSync(path)) return liveContext(path);
    if (dirname(dir) === dir) return undefined;
  }
}

function liveContext(path: string): FoundContext | undefined {
  const context = parseContext(path);
  if (context === undefined || !isAlive(context.pid)) return undefined;
  return { ...context, path };
}

function parseContext(path: string): ServerContext | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { endpoint, accountName, accountKey, pid } = value as Record<string, unknown>;
  if (typeof endpoint !== 'string' || typeof accountName !== 'string' || typeof pid !== 'number')
    return undefined;
  const context: ServerContext = { endpoint, accountName, pid };
  if (typeof accountKey === 'string') context.accountKey = accountKey;
  return context;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by another user (a server started as root, read by a user's CLI).
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
