/**
 * File-system steps that never follow a symbolic link, at any path component, and cannot be raced into doing so.
 *
 * Node has no `openat`; Linux's `/proc/self/fd/<fd>/<name>` gives the same thing: the kernel resolves
 * `/proc/self/fd/<fd>` to the very directory the descriptor holds (not to a path that a task could have swapped
 * for a link since), and only `<name>` is looked up inside it. Every directory is opened with
 * `O_DIRECTORY | O_NOFOLLOW` relative to its already-opened parent, so a link anywhere (first component, middle,
 * last) fails the walk, and a directory swapped for a link between a check and an open is caught by the open
 * itself. Files are opened `O_NOFOLLOW | O_NONBLOCK` (a FIFO planted by a task never blocks a reader) and served
 * only when `fstat` says they are regular files.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, rmdir, unlink, type FileHandle } from 'node:fs/promises';

const FD_ROOT = '/proc/self/fd';
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Codes meaning "not there, or not something this walk may enter". */
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'EPERM', 'ENAMETOOLONG']);

export function isNotFound(error: unknown): boolean {
  return NOT_FOUND_CODES.has(String((error as { code?: unknown }).code));
}

/** The path of `name` inside the directory open as `dir`. */
export function at(dir: FileHandle, name: string): string {
  return `${FD_ROOT}/${dir.fd}/${name}`;
}

/** The path of the open directory itself. */
export function self(dir: FileHandle): string {
  return `${FD_ROOT}/${dir.fd}`;
}

/** A single path component: no separator, NUL, `.` or `..`. */
export function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** Opens `name` inside `parent` as a directory; fails (ELOOP/ENOTDIR) when it is a link or not a directory. */
export function openDirAt(parent: FileHandle, name: string): Promise<FileHandle> {
  return open(at(parent, name), DIR_FLAGS);
}

/**
 * Opens `base` (trusted: the node root from configuration) and then each of `names` below it without following
 * a link. The caller closes the returned handle.
 */
export async function openDirChain(base: string, names: readonly string[]): Promise<FileHandle> {
  let current = await open(base, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const name of names) {
      if (!isPlainName(name)) throw Object.assign(new Error(`bad path component`), { code: 'ENOENT' });
      const next = await openDirAt(current, name);
      await current.close();
      current = next;
    }
    return current;
  } catch (error) {
    await current.close();
    throw error;
  }
}

/** `lstat` of `name` inside `dir` (a link is reported as a link, never followed). */
export function lstatAt(dir: FileHandle, name: string): Promise<Stats> {
  return lstat(at(dir, name));
}

/** Opens a regular file inside `dir` for reading; a link, directory, FIFO or device fails with ENOENT. */
export async function openFileAt(
  dir: FileHandle,
  name: string,
): Promise<{ handle: FileHandle; stats: Stats }> {
  const handle = await open(at(dir, name), FILE_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOENT' });
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Names in the open directory, sorted. */
export async function namesIn(dir: FileHandle): Promise<string[]> {
  return (await readdir(self(dir))).sort();
}

/**
 * Removes `name` inside `parent`: a file or link is unlinked (a link's target is never touched), a directory is
 * emptied through its own descriptor and removed. Missing entries are fine. Throws when something could not be
 * removed (e.g. ENOTEMPTY while a process still writes), so the caller can retry.
 */
export async function removeTreeAt(parent: FileHandle, name: string): Promise<void> {
  let dir: FileHandle;
  try {
    dir = await openDirAt(parent, name);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') return;
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
    return unlinkAt(parent, name);
  }
  try {
    for (const entry of await namesIn(dir)) await removeTreeAt(dir, entry);
  } finally {
    await dir.close();
  }
  try {
    await rmdir(at(parent, name));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') return;
    // Swapped for a file or link after it was emptied: remove that name, never follow it.
    if (code === 'ENOTDIR') return unlinkAt(parent, name);
    throw error;
  }
}

async function unlinkAt(parent: FileHandle, name: string): Promise<void> {
  try {
    await unlink(at(parent, name));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
}
