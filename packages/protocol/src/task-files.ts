/**
 * Task files live in the task directory, `<root>/workitems/<job>/job-1/<task>/` (stdout.txt, stderr.txt,
 * wd/…), the layout of a real Linux node. Nothing outside that directory is ever reachable, whatever the task
 * does to it while it runs:
 *
 * - names are split into components; empty, `.`, `..`, NUL and absolute names are FileNotFound;
 * - every directory from the node root down to the file is opened relative to its opened parent and never
 *   through a symbolic link (task-file-walk.ts), so a link at any component is FileNotFound, even one a task
 *   swaps in between a check and an open;
 * - only regular files and directories exist for get, properties and list; links (inside or outside the
 *   task), FIFOs, sockets and devices are FileNotFound and lists omit them;
 * - delete never follows a link: deleting a link removes the link itself, a recursive delete removes links as
 *   links and empties directories through their own descriptors.
 *
 * Linux only (`/proc/self/fd`). Node-only (node:fs); shared by the server (local nodes) and the agent (its file
 * server for remote reads), exported as `@batchite/protocol/task-files` so the main entry point stays free of
 * file-system code.
 */
import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { rename, rmdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  at,
  isNotFound,
  isPlainName,
  lstatAt,
  namesIn,
  openDirAt,
  openDirChain,
  openFileAt,
  removeTreeAt,
} from './task-file-walk.js';

/** A task-file problem, by the Batch error code it is answered with. */
export class TaskFileError extends Error {
  constructor(
    readonly code: 'FileNotFound' | 'InvalidRange' | 'DirectoryNotEmpty',
    message: string,
  ) {
    super(message);
    this.name = 'TaskFileError';
  }
}

/**
 * A task directory as a trusted base (the node root, from configuration) and the components below it, which are
 * walked without following links. A plain string is a trusted directory with nothing below it.
 */
export interface TaskDirectoryRef {
  base: string;
  below: readonly string[];
}

export type TaskDir = string | TaskDirectoryRef;

/** Ids that become path segments verbatim: the Batch id rule, so nothing else may get through. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
/** A job a job schedule created: `<scheduleId>:job-<n>`. */
const SCHEDULED_JOB = /^([A-Za-z0-9_-]{1,64}):(job-[1-9][0-9]{0,9})$/;

/**
 * The job's directory below a node root, as Batch lays it out: `workitems/<job>/job-1` for a job added
 * directly, `workitems/<schedule>/job-<n>` for the n-th job of a job schedule. Throws on an id that could
 * name anything else.
 */
export function jobDirectorySegments(jobId: string): readonly [string, string, string] {
  const scheduled = SCHEDULED_JOB.exec(jobId);
  if (scheduled !== null) return ['workitems', scheduled[1] as string, scheduled[2] as string];
  if (!SAFE_SEGMENT.test(jobId)) throw new Error(`refusing unsafe job id ${JSON.stringify(jobId)}`);
  return ['workitems', jobId, 'job-1'];
}

/** A task directory below a node root as Batch reports it (`taskRootDirectory`): `workitems/<schedule>/job-<n>/<dir>` for a schedule's job. */
export function taskRootDirectory(jobId: string, dirName: string): string {
  return [...jobDirectorySegments(jobId), dirName].join('/');
}

/** What goes when the job is deleted: the whole work item of a direct job, only its own run of a schedule's. */
export function jobRemovalSegments(jobId: string): readonly string[] {
  const segments = jobDirectorySegments(jobId);
  return SCHEDULED_JOB.test(jobId) ? segments : segments.slice(0, 2);
}

export function taskDirectory(dataDir: string, jobId: string, taskId: string): string {
  return join(dataDir, ...jobDirectorySegments(jobId), taskId);
}

/** The task directory below the node root `rootDir`, for the no-follow walk. */
export function taskDirectoryRef(rootDir: string, jobId: string, taskId: string): TaskDirectoryRef {
  return { base: rootDir, below: [...jobDirectorySegments(jobId), taskId] };
}

export interface TaskFileEntry {
  /** Path relative to the task directory, `/`-separated. */
  name: string;
  isDirectory: boolean;
  stats: Stats;
}

function fileNotFound() {
  return new TaskFileError('FileNotFound', 'The specified file does not exist.');
}

/** The components of a client-supplied file path, or FileNotFound. Empty segments (`a//b`, `a/`) are ignored. */
export function taskPathParts(filePath: string): string[] {
  if (filePath === '' || filePath.startsWith('/')) throw fileNotFound();
  const parts = filePath.split('/').filter((part) => part !== '');
  if (parts.length === 0 || !parts.every(isPlainName)) throw fileNotFound();
  return parts;
}

/** Checks a client-supplied file path and joins it to `root` (names only: the file system is not consulted). */
export function resolveTaskPath(root: string, filePath: string): string {
  return join(root, ...taskPathParts(filePath));
}

function refOf(dir: TaskDir): TaskDirectoryRef {
  return typeof dir === 'string' ? { base: dir, below: [] } : dir;
}

/** Runs `use` with the task directory (or a directory below it) open; walk failures are FileNotFound. */
async function withDir<T>(dir: TaskDir, parts: readonly string[], use: (handle: FileHandle) => Promise<T>) {
  const ref = refOf(dir);
  let handle: FileHandle;
  try {
    handle = await openDirChain(ref.base, [...ref.below, ...parts]);
  } catch (error) {
    if (isNotFound(error)) throw fileNotFound();
    throw error;
  }
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** Runs `use` with the parent of `filePath` open and the last component's name. */
function withParent<T>(
  dir: TaskDir,
  filePath: string,
  use: (parent: FileHandle, name: string) => Promise<T>,
) {
  const parts = taskPathParts(filePath);
  const name = parts.pop() as string;
  return withDir(dir, parts, (parent) => use(parent, name));
}

/** Regular files and directories are task files; links and special files are not. */
function visible(stats: Stats): boolean {
  return stats.isFile() || stats.isDirectory();
}

async function statVisible(parent: FileHandle, name: string): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await lstatAt(parent, name);
  } catch (error) {
    if (isNotFound(error)) throw fileNotFound();
    throw error;
  }
  if (!visible(stats)) throw fileNotFound();
  return stats;
}

/** Lists the task directory; `recursive` descends into sub-directories. Links are neither listed nor followed. */
export async function listTaskFiles(dir: TaskDir, recursive: boolean): Promise<TaskFileEntry[]> {
  const entries: TaskFileEntry[] = [];
  const walk = async (handle: FileHandle, prefix: string): Promise<void> => {
    for (const name of await namesIn(handle).catch(() => [])) {
      const stats = await lstatAt(handle, name).catch(() => undefined);
      if (stats === undefined || !visible(stats)) continue;
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      entries.push({ name: rel, isDirectory: stats.isDirectory(), stats });
      if (!recursive || !stats.isDirectory()) continue;
      // Opened no-follow: a directory swapped for a link since the lstat is skipped, not entered.
      const child = await openDirAt(handle, name).catch(() => undefined);
      if (child === undefined) continue;
      try {
        await walk(child, rel);
      } finally {
        await child.close();
      }
    }
  };
  try {
    await withDir(dir, [], (handle) => walk(handle, ''));
  } catch (error) {
    if (error instanceof TaskFileError) return [];
    throw error;
  }
  return entries;
}

export async function statTaskFile(dir: TaskDir, filePath: string): Promise<Stats> {
  return withParent(dir, filePath, statVisible);
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** Parses `ocp-range: bytes=start-end` (end optional) against the file size; throws InvalidRange. */
export function parseOcpRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  const invalid = () => new TaskFileError('InvalidRange', `The range '${header}' is not satisfiable.`);
  if (!match) throw invalid();
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start > end || start >= size) throw invalid();
  return { start, end };
}

/**
 * Opens a regular file of the task for reading (no link followed, FIFOs never block) and streams `range` of it;
 * the stream owns the descriptor.
 */
export async function openTaskFile(
  dir: TaskDir,
  filePath: string,
  range: ByteRange | undefined,
): Promise<ReadStream> {
  return withParent(dir, filePath, async (parent, name) => {
    let opened: Awaited<ReturnType<typeof openFileAt>>;
    try {
      opened = await openFileAt(parent, name);
    } catch (error) {
      if (isNotFound(error)) throw fileNotFound();
      throw error;
    }
    const options = range === undefined ? {} : { start: range.start, end: range.end };
    return createReadStream('', { ...options, fd: opened.handle });
  });
}

/**
 * Deletes a file, a link (the link itself, never its target), or a directory (only with `recursive`, or when
 * empty; a recursive delete removes links inside as links).
 */
export async function deleteTaskFile(dir: TaskDir, filePath: string, recursive: boolean): Promise<void> {
  await withParent(dir, filePath, async (parent, name) => {
    const stats = await lstatAt(parent, name).catch(() => undefined);
    if (stats === undefined) throw fileNotFound();
    if (recursive || !stats.isDirectory()) return removeTreeAt(parent, name);
    try {
      await rmdir(at(parent, name));
    } catch {
      throw new TaskFileError(
        'DirectoryNotEmpty',
        'The directory is not empty; delete it with recursive=true.',
      );
    }
  });
}

/** Opens the parent of `<base>/<below…>` (no link followed below `base`); undefined when it is not there. */
async function openParent(base: string, below: readonly string[]): Promise<FileHandle | undefined> {
  try {
    return await openDirChain(base, below.slice(0, -1));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Removes `<base>/<below…>` and everything in it without following a link anywhere (a task may still be
 * swapping directories for links while this runs). Missing is done; throws when something is left (ENOTEMPTY
 * while a process still writes), for the caller to retry.
 */
export async function removeTree(base: string, below: readonly string[]): Promise<void> {
  const last = below.at(-1);
  if (last === undefined || !below.every(isPlainName)) throw new Error('removeTree needs a path below base');
  const parent = await openParent(base, below);
  if (parent === undefined) return;
  try {
    await removeTreeAt(parent, last);
  } finally {
    await parent.close();
  }
}

/**
 * Renames `<base>/<below…>` to `<toDir>/<toName>` (same file system) without following a link below `base`; the
 * entry moves as it is (a link stays a link). False when there was nothing to move.
 */
export async function moveTree(
  base: string,
  below: readonly string[],
  toDir: string,
  toName: string,
): Promise<boolean> {
  const last = below.at(-1);
  if (last === undefined || !below.every(isPlainName) || !isPlainName(toName))
    throw new Error('moveTree needs plain names');
  const parent = await openParent(base, below);
  if (parent === undefined) return false;
  try {
    const target = await openDirChain(toDir, []);
    try {
      await rename(at(parent, last), at(target, toName));
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return false;
      throw error;
    } finally {
      await target.close();
    }
  } finally {
    await parent.close();
  }
}

/** The parts of a node's root that the node files API shows, as on a Batch node (not the agent's bookkeeping). */
export const NODE_FILE_AREAS: readonly string[] = Object.freeze(['shared', 'startup', 'workitems']);

/** True when a node file path lies in one of the `NODE_FILE_AREAS`. */
export function isNodeFilePath(filePath: string): boolean {
  const first = filePath.split('/').find((part) => part !== '');
  return first !== undefined && NODE_FILE_AREAS.includes(first);
}
