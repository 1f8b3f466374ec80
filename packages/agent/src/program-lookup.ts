/**
 * Finds the program of a command line the way `execvp` does, but on the task's PATH (which ends with the shared
 * dir and the task's `wd`) rather than the agent's, so the failure can be named precisely:
 * nothing found → `CommandProgramNotFound`; found but not executable (or a directory) → `CommandLaunchFailed`.
 * A name containing `/` is not searched: it is taken relative to the task's working directory.
 * Synchronous on purpose: a few stat calls on local directories cost microseconds, and a round trip through
 * libuv's thread pool per call cost more than the calls themselves in the agent's profile.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export type LaunchErrorCode = 'CommandProgramNotFound' | 'CommandLaunchFailed';

export interface LaunchError {
  code: LaunchErrorCode;
  message: string;
}

export type ProgramLookup = { ok: true; path: string } | { ok: false; error: LaunchError };

type Candidate = 'missing' | 'not-executable' | 'executable';

function inspect(path: string): Candidate {
  try {
    const info = statSync(path);
    if (!info.isFile()) return 'not-executable';
    accessSync(path, constants.X_OK);
    return 'executable';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === 'EACCES' || code === 'EPERM' ? 'not-executable' : 'missing';
  }
}

function notFound(name: string): ProgramLookup {
  return {
    ok: false,
    error: { code: 'CommandProgramNotFound', message: `The specified command program is not found: ${name}` },
  };
}

function notExecutable(name: string, path: string): ProgramLookup {
  return {
    ok: false,
    error: {
      code: 'CommandLaunchFailed',
      message: `The command program ${name} (${path}) is not executable`,
    },
  };
}

/** Resolves `name` against `pathValue` (colon-separated; empty entries mean `cwd`) and `cwd`. */
export function lookupProgram(name: string, pathValue: string, cwd: string): ProgramLookup {
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    const found = inspect(path);
    if (found === 'executable') return { ok: true, path };
    return found === 'missing' ? notFound(name) : notExecutable(name, path);
  }
  let denied: string | undefined;
  for (const dir of pathValue.split(':')) {
    const path = resolve(cwd, dir === '' ? '.' : dir, name);
    const found = inspect(path);
    if (found === 'executable') return { ok: true, path };
    if (found === 'not-executable') denied ??= path;
  }
  return denied === undefined ? notFound(name) : notExecutable(name, denied);
}
