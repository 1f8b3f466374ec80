/**
 * Writes one downloaded resource file into a task's working directory without ever leaving it: the target must
 * resolve inside the directory, every directory on the way is created here (and checked with realpath, so a
 * symlink planted by another process of the same user cannot redirect the write), and the file itself is
 * created with O_EXCL|O_NOFOLLOW after removing what was there. Bytes are streamed to disk, never buffered.
 */
import { constants } from 'node:fs';
import { chmod, lchown, mkdir, open, realpath, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Who owns what the download creates (the task's user), when the agent can give files away. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** The path escapes the working directory (a blob name with `..`, a symlinked directory): not written. */
export class EscapingPathError extends Error {
  constructor(readonly relativePath: string) {
    super(`The path ${relativePath} is outside the task's working directory`);
    this.name = 'EscapingPathError';
  }
}

/** The absolute target of `relativePath` in `workingDir`; throws `EscapingPathError` when it leaves it. */
export function targetPath(workingDir: string, relativePath: string): string {
  const target = resolve(workingDir, relativePath);
  const inside = relative(workingDir, target);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new EscapingPathError(relativePath);
  }
  return target;
}

/** Creates the directories between `workingDir` and `target`'s parent, owned by `owner`, each checked. */
async function ensureParents(
  workingDir: string,
  target: string,
  owner: FileOwner | undefined,
): Promise<void> {
  const root = await realpath(workingDir);
  let current = workingDir;
  for (const segment of relative(workingDir, dirname(target))
    .split(sep)
    .filter((s) => s !== '')) {
    current = join(current, segment);
    const created = await mkdir(current).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return false;
        throw error;
      },
    );
    const real = await realpath(current);
    if (real !== root && !real.startsWith(`${root}${sep}`))
      throw new EscapingPathError(relative(root, current));
    if (created && owner !== undefined) await lchown(current, owner.uid, owner.gid);
  }
}

/** Streams `body` into `target` (replacing a file there), then applies `mode` and `owner`. */
export async function writeResourceFile(
  workingDir: string,
  target: string,
  body: Readable,
  mode: number,
  owner: FileOwner | undefined,
): Promise<number> {
  await ensureParents(workingDir, target, owner);
  await unlink(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o600);
  const out = handle.createWriteStream();
  let bytes = 0;
  body.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(body, out);
  } catch (error) {
    out.destroy();
    throw error;
  }
  if (owner !== undefined) await lchown(target, owner.uid, owner.gid);
  await chmod(target, mode);
  return bytes;
}
