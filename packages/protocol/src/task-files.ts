/**
 * Task files live in the task directory, `<root>/workitems/<job>/job-1/<task>/` (stdout.txt, stderr.txt,
 * wd/…), the layout of a real Linux node. Nothing outside that directory is ever reachable: names are normalised
 * and checked before any file-system call, and symbolic links are not followed.
 *
 * Node-only (node:fs); shared by the server (local nodes) and the agent (its file server for remote reads),
 * exported as `@batchite/protocol/task-files` so the main entry point stays free of file-system code.
 */
import { createReadStream, type ReadStream, type Stats } from 'node:fs';
import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

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

export function taskDirectory(dataDir: string, jobId: string, taskId: string): string {
  return join(dataDir, 'workitems', jobId, 'job-1', taskId);
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

/** Resolves a client-supplied file path inside the task directory, or throws FileNotFound. */
export function resolveTaskPath(root: string, filePath: string): string {
  if (filePath === '' || filePath.includes('\0') || isAbsolute(filePath)) throw fileNotFound();
  const target = normalize(join(root, filePath));
  const inside = relative(root, target);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw fileNotFound();
  return target;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

/** Lists the task directory; `recursive` descends into sub-directories. Symbolic links are not followed. */
export async function listTaskFiles(root: string, recursive: boolean): Promise<TaskFileEntry[]> {
  const entries: TaskFileEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const stats = await statOrUndefined(path);
      if (stats === undefined || stats.isSymbolicLink()) continue;
      const rel = relative(root, path).split(sep).join('/');
      entries.push({ name: rel, isDirectory: stats.isDirectory(), stats });
      if (recursive && stats.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return entries;
}

export async function statTaskFile(root: string, filePath: string): Promise<Stats> {
  const stats = await statOrUndefined(resolveTaskPath(root, filePath));
  if (stats === undefined || stats.isSymbolicLink()) throw fileNotFound();
  return stats;
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

export function openTaskFile(path: string, range: ByteRange | undefined): ReadStream {
  return range === undefined
    ? createReadStream(path)
    : createReadStream(path, { start: range.start, end: range.end });
}

/** Deletes a file, or a directory (only with `recursive`, or when empty). */
export async function deleteTaskFile(root: string, filePath: string, recursive: boolean): Promise<void> {
  const path = resolveTaskPath(root, filePath);
  const stats = await statTaskFile(root, filePath);
  if (!stats.isDirectory()) {
    await rm(path, { force: true });
    return;
  }
  if (recursive) {
    await rm(path, { recursive: true, force: true });
    return;
  }
  try {
    await rmdir(path);
  } catch {
    throw new TaskFileError(
      'DirectoryNotEmpty',
      'The directory is not empty; delete it with recursive=true.',
    );
  }
}
