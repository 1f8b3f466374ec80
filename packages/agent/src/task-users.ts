/**
 * The OS users tasks run as, the way a Batch Linux node's auto-users work. Only an agent running as root can
 * switch users; otherwise every task runs as the agent's own user (docs/security.md says what that
 * leaves open).
 *
 *   auto, nonadmin, scope task   a user no other running task has: `_azbt_<10 hex>_<n>` (hash of node root
 *                                and node id), lent for the run and taken back after it
 *   auto, nonadmin, scope pool   one user per pool:  `_azbp_<12 hex>` (hash of node root and pool id)
 *   account `name`               the pool's user account, with its uid/gid when the pool gives them
 *   elevationLevel admin         root (the agent's user)
 *
 * Task-scope users are recycled, like HTCondor's per-slot users: creating one OS user per task costs a locked
 * rewrite of /etc/passwd per task (tens of ms, serialised machine-wide) and leaves one entry per task forever.
 * A node needs at most as many as it runs tasks at once. When a run ends, the runner gives its task directory
 * to root (0700) and `release` kills whatever that user still runs, so the next task lent the same user can
 * neither reach the old directory nor meet its processes.
 *
 * Users are created with `useradd` (the `passwd` package: present on every Debian/Ubuntu/RHEL base image),
 * without a home directory (HOME is the task's working directory) in the group `_azbatchgrp`, as on Batch
 * nodes. Real entries in /etc/passwd make `whoami`, `id -un`, ssh, git and getpwuid() work, which a bare
 * numeric uid does not. `useradd` locks /etc/passwd, so creations are serialised here and a lock held by
 * another process (another agent on this machine) is waited out with a short retry.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '@batchite/retry';
import type { TaskRunAs } from './node-api.js';

const run = promisify(execFile);

/** The group every auto-user belongs to (Batch nodes use this name). */
export const AUTO_USER_GROUP = '_azbatchgrp';
/** useradd/groupadd: 9 = the name is taken (someone else created it first). */
const EXIT_NAME_IN_USE = 9;
/** groupadd -g: 4 = the gid exists already (the account's group is there: fine). */
const EXIT_GID_IN_USE = 4;
/** useradd/groupadd exit codes that mean "could not lock or update the files now": worth a retry. */
const EXIT_LOCKED = new Set([1, 10]);
const LOCK_RETRIES = 20;
const LOCK_RETRY_MS = 100;

/** Who a process runs as; `undefined` from `TaskUsers.userFor` = the agent's own user. */
export interface TaskUser {
  name: string;
  uid: number;
  gid: number;
  /** `AZ_BATCH_TASK_USER_IDENTITY`: PoolNonAdmin, TaskNonAdmin, … or the account name. */
  identity: string;
}

export interface TaskUsersOptions {
  rootDir: string;
  poolId: string;
  /** The node's id (known after registration): names its task-scope users, so a restart reuses them. */
  nodeId: () => string;
  clock: Clock;
  /** Whether this process may switch users. @defaultValue running as root */
  canSwitch?: boolean;
}

/**
 * What the pool's auto-user name derives from: the data directory for nodes the server launched
 * (`<dataDir>/nodes/<nodeId>`), so all nodes of one pool on this machine share it as all nodes of a Batch pool
 * share its pool auto-user; the node root otherwise.
 */
export function poolUserSeed(rootDir: string): string {
  return basename(dirname(rootDir)) === 'nodes' ? dirname(dirname(rootDir)) : rootDir;
}

function shortHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

/** True when the agent can run tasks as other users (it is root). */
export function canSwitchUsers(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', name]);
    const [, , uid, gid] = stdout.trim().split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined; // exit 2: no such user
  }
}

export class TaskUsers {
  readonly canSwitch: boolean;
  readonly #o: TaskUsersOptions;
  readonly #users = new Map<string, Promise<{ uid: number; gid: number }>>();
  /** Task-scope users not lent to a run, and how many this node has made. */
  readonly #idle: TaskUser[] = [];
  #taskUsers = 0;
  /** One useradd/groupadd at a time from this process. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TaskUsersOptions) {
    this.#o = options;
    this.canSwitch = options.canSwitch ?? canSwitchUsers();
  }

  /** The user `runAs` means for this task, created on first use; undefined = run as the agent. */
  async userFor(runAs: TaskRunAs): Promise<TaskUser | undefined> {
    if (!this.canSwitch || runAs.elevationLevel === 'admin') return undefined;
    if (runAs.kind === 'account') {
      const ids = await this.#ensure(runAs.userName, runAs.uid, runAs.gid);
      if (ids.uid === 0) throw new Error(`user account ${runAs.userName} resolves to uid 0; refusing`);
      return { name: runAs.userName, ...ids, identity: runAs.userName };
    }
    if (runAs.scope === 'task') return this.#idle.pop() ?? (await this.#newTaskUser());
    const name = `_azbp_${shortHash(poolUserSeed(this.#o.rootDir), this.#o.poolId.toLowerCase())}`;
    return { name, ...(await this.#ensureAuto(name)), identity: 'PoolNonAdmin' };
  }

  /**
   * Takes back a task-scope user once its run is over and its task directory is root's: every process it still
   * runs is killed (`kill -9 -1` as that user reaches exactly its own processes), then it may be lent again.
   */
  async release(user: TaskUser): Promise<void> {
    if (user.identity !== 'TaskNonAdmin') return;
    await run('/bin/sh', ['-c', 'kill -9 -1'], { uid: user.uid, gid: user.gid }).catch(() => undefined);
    this.#idle.push(user);
  }

  async #newTaskUser(): Promise<TaskUser> {
    const name = `_azbt_${shortHash(this.#o.rootDir, this.#o.nodeId()).slice(0, 10)}_${++this.#taskUsers}`;
    return { name, ...(await this.#ensureAuto(name)), identity: 'TaskNonAdmin' };
  }

  async #ensureAuto(name: string): Promise<{ uid: number; gid: number }> {
    const ids = await this.#ensure(name);
    if (ids.uid < 1000) throw new Error(`auto-user ${name} exists with system uid ${ids.uid}; refusing`);
    return ids;
  }

  #ensure(name: string, uid?: number, gid?: number): Promise<{ uid: number; gid: number }> {
    let pending = this.#users.get(name);
    if (pending === undefined) {
      pending = this.#serial(() => this.#create(name, uid, gid));
      // A failure is not cached: the next task tries again.
      pending.catch(() => this.#users.delete(name));
      this.#users.set(name, pending);
    }
    return pending;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #create(name: string, uid?: number, gid?: number): Promise<{ uid: number; gid: number }> {
    const existing = await lookupUser(name);
    if (existing !== undefined) return existing;
    const args = ['-M', '-N', '-d', '/nonexistent', '-s', '/bin/sh'];
    if (uid !== undefined && gid !== undefined) {
      await this.#tool('groupadd', ['-g', String(gid), name], [EXIT_NAME_IN_USE, EXIT_GID_IN_USE]);
      args.push('-u', String(uid), '-g', String(gid));
    } else {
      await this.#tool('groupadd', [AUTO_USER_GROUP]);
      args.push('-g', AUTO_USER_GROUP);
    }
    await this.#tool('useradd', [...args, name]);
    const created = await lookupUser(name);
    if (created === undefined) throw new Error(`useradd did not create ${name}`);
    return created;
  }

  /** Runs useradd/groupadd; "name in use" is success (another agent was first), a held lock is retried. */
  async #tool(command: string, args: string[], fine: readonly number[] = [EXIT_NAME_IN_USE]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await run(command, args);
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && fine.includes(code)) return;
        if (!(typeof code === 'number' && EXIT_LOCKED.has(code)) || attempt >= LOCK_RETRIES) {
          const output = (error as { stderr?: unknown }).stderr;
          const stderr = typeof output === 'string' ? output.trim() : '';
          throw new Error(`${command} ${args.join(' ')} failed: ${stderr || String(error)}`, {
            cause: error,
          });
        }
        await this.#o.clock.sleep(LOCK_RETRY_MS * attempt);
      }
    }
  }
}
