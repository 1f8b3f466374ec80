/**
 * Shared set-up of the task-file, delete-while-running and orphan attacks: a remote agent with its own node root
 * and file server, the files a task must never reach, and probes of processes and directories.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type AgentOptions, type RunningAgent } from '@batchite/agent';
import { rawRequest, type RawResponse } from '../support/raw.js';
import type { Endpoint } from '../support/sdk.js';
import type { TestServer } from '../support/server.js';

/** A directory outside every task, with files an attacking task points its links at. */
export interface Victim {
  readonly dir: string;
  readonly files: readonly string[];
}

export async function makeVictim(parent: string): Promise<Victim> {
  const dir = await mkdtemp(join(parent, 'victim-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'keep.txt'), 'victim\n');
  await writeFile(join(dir, 'sub', 'keep2.txt'), 'victim too\n');
  return { dir, files: [join(dir, 'keep.txt'), join(dir, 'sub', 'keep2.txt')] };
}

/** Every victim file is still there, with its content. */
export async function victimIntact(victim: Victim): Promise<boolean> {
  for (const file of victim.files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined || !text.startsWith('victim')) return false;
  }
  return true;
}

/**
 * Shell run by the attacking task in its `wd/`: links to `/etc`, to the victim, to `..` and `../..`, to another
 * task's directory, at the first component (in the task directory itself), in the middle and at the end of a
 * path; a real directory holding links; links that stay inside the task; a FIFO.
 */
export function attackScript(victim: Victim, otherTaskDir: string): string {
  return [
    'ln -s /etc ../first',
    `ln -s ${victim.dir} ../firstv`,
    'ln -s /etc etc',
    'ln -s /etc/passwd passwd',
    'ln -s ../.. up',
    `ln -s ${otherTaskDir} other`,
    `ln -s ${victim.dir} v`,
    'ln -s .. task',
    'mkdir real',
    'echo inside > real/in.txt',
    `ln -s ${victim.dir} real/v`,
    `ln -s ${victim.dir}/keep.txt real/k`,
    'ln -s in.txt real/near',
    'mkfifo fifo',
  ].join('; ');
}

/** Links the attack makes, as task-file names. */
export const ATTACK_LINKS = Object.freeze([
  'first',
  'firstv',
  'wd/etc',
  'wd/passwd',
  'wd/up',
  'wd/other',
  'wd/v',
  'wd/task',
  'wd/real/v',
  'wd/real/k',
  'wd/real/near',
]);

/** Paths that go through a link at some component, first to last; none may be served. */
export function escapingPaths(otherTaskId: string): string[] {
  return [
    'first/passwd',
    'first/hostname',
    'firstv/keep.txt',
    'wd/etc/passwd',
    'wd/etc',
    'wd/passwd',
    `wd/up/${otherTaskId}/wd/secret.txt`,
    'wd/other/wd/secret.txt',
    'wd/other',
    'wd/v/keep.txt',
    'wd/v/sub/keep2.txt',
    'wd/real/v/keep.txt',
    'wd/real/k',
    'wd/task/stdout.txt',
    'wd/real/near',
    'wd/fifo',
  ];
}

/** One signed request on a task file, `name` sent as the SDK does (`wd%2Fx`). */
export function fileRequest(
  endpoint: Endpoint,
  method: 'GET' | 'HEAD' | 'DELETE',
  jobId: string,
  taskId: string,
  name: string,
  query: Record<string, string> = {},
): Promise<RawResponse> {
  const path = `/jobs/${jobId}/tasks/${taskId}/files/${encodeURIComponent(name)}`;
  return rawRequest(endpoint, { method, path, query });
}

/** Starts an agent on another node root with its own file server (as on another machine). */
export async function startRemoteAgent(
  server: Pick<TestServer, 'url' | 'joinToken'>,
  poolId: string,
  rootDir: string,
): Promise<RunningAgent> {
  return startRemoteAgentWith(server, poolId, rootDir, {});
}

/** `startRemoteAgent` with more agent options. */
export async function startRemoteAgentWith(
  server: Pick<TestServer, 'url' | 'joinToken'>,
  poolId: string,
  rootDir: string,
  extra: Partial<AgentOptions>,
): Promise<RunningAgent> {
  return startAgent({
    serverUrl: server.url,
    poolId,
    joinToken: server.joinToken(poolId),
    rootDir,
    fileServer: { host: '127.0.0.1', port: 0 },
    ...extra,
  });
}

export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** True while `path` exists (a link counts, never followed). */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Entries waiting in a data directory's `.deleted/` (deleted directories not yet removed). */
export async function pendingDeletes(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, '.deleted')).catch(() => []);
}

/** A process that runs (a zombie, dead but not yet reaped by its new parent, counts as gone). */
export async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
}
