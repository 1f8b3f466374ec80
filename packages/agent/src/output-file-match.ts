/**
 * Finds the files an output file's `filePattern` names in a finished task's directory (the pattern rules are in
 * `@batchite/protocol`'s output-file-pattern.ts). A literal pattern names one file, or a directory whose whole
 * tree is uploaded; a wildcard pattern matches files only (a matched directory is not uploaded, `**` walks into
 * it). Each match carries its name relative to the pattern's literal start, which becomes the blob name under
 * the destination `path`.
 *
 * Nothing outside the task directory is ever read: a symbolic link is followed only when its target resolves
 * inside the task directory, and symlinked directories are never walked (no loops, no escapes).
 */
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { segmentMatcher, type OutputFilePattern } from '@batchite/protocol';

export interface OutputMatch {
  /** The file to read: its real path, inside the task directory. */
  readonly path: string;
  /** `/`-separated name relative to the pattern's literal start (for a literal file: its base name). */
  readonly name: string;
}

export interface MatchResult {
  /** True when the pattern had no wildcard and named a file (its blob name is the destination `path`). */
  readonly singleFile: boolean;
  readonly files: OutputMatch[];
}

/** The real path of `path` when it is inside `root` (a real path), else undefined. */
async function realInside(root: string, path: string): Promise<string | undefined> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return undefined;
  return real === root || real.startsWith(`${root}${sep}`) ? real : undefined;
}

async function entries(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/** Every regular file below `dir` (dot files included), not walking symlinked directories. */
async function wholeTree(root: string, dir: string, prefix: string, out: OutputMatch[]): Promise<void> {
  for (const entry of await entries(dir)) {
    const path = join(dir, entry.name);
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await wholeTree(root, path, name, out);
    else await addFile(root, path, name, out);
  }
}

/** Adds a regular file (or a link to one inside the task directory). */
async function addFile(root: string, path: string, name: string, out: OutputMatch[]): Promise<void> {
  const real = await realInside(root, path);
  if (real === undefined) return;
  const stats = await lstat(real).catch(() => undefined);
  if (stats?.isFile() === true) out.push({ path: real, name });
}

/** Walks `dir` matching `glob` from segment `index`; `seen` keeps a file matched twice (via `**`) once. */
async function walkGlob(
  root: string,
  dir: string,
  prefix: string,
  glob: readonly string[],
  index: number,
  out: OutputMatch[],
  seen: Set<string>,
): Promise<void> {
  const segment = glob[index];
  if (segment === undefined) return;
  if (segment === '**') {
    // Zero directories: the rest of the pattern here; one more: into each (non-dot, non-link) directory.
    await walkGlob(root, dir, prefix, glob, index + 1, out, seen);
    for (const entry of await entries(dir)) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      await walkGlob(root, join(dir, entry.name), name, glob, index, out, seen);
    }
    return;
  }
  const matches = segmentMatcher(segment);
  const last = index === glob.length - 1;
  for (const entry of await entries(dir)) {
    if (!matches(entry.name)) continue;
    const path = join(dir, entry.name);
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (!last) {
      if (entry.isDirectory()) await walkGlob(root, path, name, glob, index + 1, out, seen);
    } else if (!entry.isDirectory() && !seen.has(name)) {
      seen.add(name);
      await addFile(root, path, name, out);
    }
  }
}

/** The files `pattern` names in `taskDir` (none when nothing matches: that is not an error). */
export async function matchOutputFiles(taskDir: string, pattern: OutputFilePattern): Promise<MatchResult> {
  const root = await realpath(taskDir);
  const start = await realInside(root, join(root, ...pattern.base));
  const files: OutputMatch[] = [];
  if (start === undefined) return { singleFile: false, files };
  if (pattern.glob.length > 0) {
    // A trailing `**` means every (non-dot) file below: `out/**` is `out/**/*`.
    const glob = pattern.glob.at(-1) === '**' ? [...pattern.glob, '*'] : pattern.glob;
    const stats = await lstat(start).catch(() => undefined);
    if (stats?.isDirectory() === true) await walkGlob(root, start, '', glob, 0, files, new Set());
    return { singleFile: false, files };
  }
  const stats = await lstat(start).catch(() => undefined);
  if (stats?.isDirectory() === true) {
    await wholeTree(root, start, '', files);
    return { singleFile: false, files };
  }
  if (stats?.isFile() === true) files.push({ path: start, name: pattern.base.at(-1) ?? '' });
  return { singleFile: true, files };
}
