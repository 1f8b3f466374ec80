/**
 * Node user accounts (Compute Node - Add User, Update User, Delete User) as operating-system users. Only an agent
 * running as root with `useradd` offers them (it says so at registration); the server refuses them otherwise.
 *
 * - Every account this agent creates carries the GECOS comment `batchite-node-user <nodeId>`; an account without
 *   this node's marker is never changed or deleted (a system account, a person's account, another node's).
 * - add: `useradd -m` (home directory, login shell), admins in `sudo` (or `wheel`) when that group exists, the
 *   account expiry (`-e`, whole UTC days: the account works until the end of the day of `expiryTime`); the
 *   password through `chpasswd` on stdin (never on a command line), or `*` (no password login) without one; the
 *   SSH key in `~/.ssh/authorized_keys`, written by a process running as the user (0700 directory, 0600 file),
 *   so a link the user planted there cannot make root write elsewhere.
 * - update: password, key and expiry replaced; an absent password or key is removed.
 * - delete: the user's processes killed, then `userdel -r`. Deleting an account that is not there succeeds.
 * - `removeAll`: every account of this node, when the node is reimaged or leaves its pool.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Clock } from '@batchite/retry';
import type { AgentLogger } from './logger.js';
import type { NodeUserOrder, NodeUserResult } from './node-api.js';

export const NODE_USER_MARKER = 'batchite-node-user';
const DAY_MS = 24 * 60 * 60 * 1000;
/** useradd/usermod/userdel exit codes: 9 = name in use, 6 = no such user, 8 = user logged in, 12 = home. */
const EXIT = Object.freeze({ inUse: 9, noUser: 6, loggedIn: 8, home: 12 });
/** "Could not lock or update the account files now" (another agent on this machine holds the lock). */
const EXIT_LOCKED = new Set([1, 10]);
const LOCK_RETRIES = 20;
const LOCK_RETRY_MS = 100;
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  input?: string;
  uid?: number;
  gid?: number;
  env?: Record<string, string>;
}

/** Runs a program without a shell (unless asked), feeding `input` on stdin; never rejects on exit codes. */
function tool(command: string, args: readonly string[], options: RunOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? { PATH: SBIN_PATH, LANG: 'C' },
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal === null ? 0 : 128), stdout, stderr }),
    );
    // A program that exits without reading its input must not crash the agent (EPIPE).
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** True when this process can create OS users: it is root and `useradd` is installed. */
export function canManageNodeUsers(): boolean {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return SBIN_PATH.split(':').some((dir) => {
    try {
      accessSync(`${dir}/useradd`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

interface Account {
  uid: number;
  gid: number;
  comment: string;
  home: string;
}

async function lookup(name: string): Promise<Account | undefined> {
  const answer = await tool('getent', ['passwd', name]);
  if (answer.code !== 0) return undefined;
  const [, , uid, gid, comment, home] = answer.stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid), comment: comment ?? '', home: home ?? '' };
}

/** The day (YYYY-MM-DD, UTC) from which the account no longer works: the one after `expiryTime`'s day. */
export function expiryDate(expiryTime: string | undefined, now: number): string {
  const at = expiryTime === undefined ? now + DAY_MS : Date.parse(expiryTime);
  return new Date((Math.floor(at / DAY_MS) + 1) * DAY_MS).toISOString().slice(0, 10);
}

class OrderFailure extends Error {
  constructor(
    readonly code: NonNullable<NodeUserResult['code']>,
    message: string,
  ) {
    super(message);
  }
}

export interface NodeUsersOptions {
  nodeId: () => string;
  clock: Clock;
  logger: AgentLogger;
}

export class NodeUsers {
  readonly #o: NodeUsersOptions;
  /** One account change at a time from this agent. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: NodeUsersOptions) {
    this.#o = options;
  }

  #marker(): string {
    return `${NODE_USER_MARKER} ${this.#o.nodeId().replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Applies one order; never throws (a failure is the result). The password is not logged. */
  apply(order: NodeUserOrder): Promise<NodeUserResult> {
    return this.#serial(async () => {
      try {
        if (order.action === 'add') await this.#add(order);
        else if (order.action === 'update') await this.#update(order);
        else await this.#delete(order.name);
        this.#o.logger.info(`node user ${order.action} applied`, { name: order.name });
        return { orderId: order.orderId, ok: true };
      } catch (error) {
        const code = error instanceof OrderFailure ? error.code : 'Failed';
        const message = error instanceof Error ? error.message : String(error);
        this.#o.logger.warn(`node user ${order.action} failed`, { name: order.name, code, message });
        return { orderId: order.orderId, ok: false, code, message };
      }
    });
  }

  /** Deletes every account this node created (reimage, leaving the pool). Never throws. */
  removeAll(): Promise<void> {
    return this.#serial(async () => {
      const answer = await tool('getent', ['passwd']).catch(() => undefined);
      const mine = (answer?.stdout ?? '')
        .split('\n')
        .map((line) => line.split(':'))
        .filter((fields) => fields[4] === this.#marker())
        .map((fields) => fields[0] ?? '');
      for (const name of mine) {
        await this.#delete(name).catch((error: unknown) =>
          this.#o.logger.warn('could not remove a node user', { name, error: String(error) }),
        );
      }
    });
  }

  async #add(order: NodeUserOrder): Promise<void> {
    const existing = await lookup(order.name);
    if (existing !== undefined && existing.comment !== this.#marker()) {
      throw new OrderFailure(
        'NodeUserExists',
        `An operating-system account named ${order.name} exists on the node and was not created for it by Batchite.`,
      );
    }
    // Ours already (an add repeated after its answer was lost): it is brought to what this order says.
    if (existing === undefined) {
      const args = ['-m', '-s', '/bin/bash', '-c', this.#marker(), '-e', this.#expiry(order)];
      const admins = order.isAdmin === true ? await adminGroup() : undefined;
      if (admins !== undefined) args.push('-G', admins);
      const created = await this.#accounts('useradd', [...args, order.name]);
      if (created.code === EXIT.inUse) {
        throw new OrderFailure('NodeUserExists', `useradd: ${created.stderr.trim()}`);
      }
      failUnless(created, 'useradd');
    }
    await this.#credentials(order);
  }

  async #update(order: NodeUserOrder): Promise<void> {
    const existing = await lookup(order.name);
    if (existing === undefined || existing.comment !== this.#marker()) {
      throw new OrderFailure('NodeUserNotFound', `The node has no account ${order.name} made by Batchite.`);
    }
    failUnless(await this.#accounts('chage', ['-E', this.#expiry(order), order.name]), 'chage');
    await this.#credentials(order);
  }

  /** Password (or none), SSH key (or none). */
  async #credentials(order: NodeUserOrder): Promise<void> {
    if (order.password === undefined) {
      failUnless(await this.#accounts('usermod', ['-p', '*', order.name]), 'usermod');
    } else {
      const set = await this.#accounts('chpasswd', [], `${order.name}:${order.password}\n`);
      failUnless(set, 'chpasswd');
    }
    const account = await lookup(order.name);
    if (account === undefined) throw new Error(`the account ${order.name} vanished`);
    await writeAuthorizedKey(account, order.sshPublicKey);
  }

  async #delete(name: string): Promise<void> {
    const existing = await lookup(name);
    if (existing === undefined) return;
    if (existing.comment !== this.#marker()) {
      throw new OrderFailure(
        'Failed',
        `The account ${name} was not created for this node by Batchite: left alone.`,
      );
    }
    if (existing.uid === 0) throw new Error(`The account ${name} has uid 0: left alone.`);
    // Everything the user runs (a login, a background job) goes first: userdel refuses a logged-in user.
    await tool('/bin/sh', ['-c', 'kill -9 -1'], { uid: existing.uid, gid: existing.gid }).catch(
      () => undefined,
    );
    const removed = await this.#accounts('userdel', ['-r', name]);
    if (removed.code === EXIT.home || removed.code === EXIT.noUser) return;
    failUnless(removed, 'userdel');
  }

  #expiry(order: NodeUserOrder): string {
    return expiryDate(order.expiryTime, this.#o.clock.now());
  }

  /** Runs an account tool, waiting out the lock another process (another agent here) holds. */
  async #accounts(command: string, args: readonly string[], input?: string): Promise<ToolResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await tool(command, args, input === undefined ? {} : { input });
      if (!EXIT_LOCKED.has(result.code) || attempt >= LOCK_RETRIES || !/lock/i.test(result.stderr)) {
        return result;
      }
      await this.#o.clock.sleep(LOCK_RETRY_MS * attempt);
    }
  }
}

function failUnless(result: ToolResult, command: string): void {
  if (result.code !== 0) throw new Error(`${command} failed (exit ${result.code}): ${result.stderr.trim()}`);
}

/** `sudo` (Debian, Ubuntu) or `wheel` (RHEL), whichever exists. */
async function adminGroup(): Promise<string | undefined> {
  for (const group of ['sudo', 'wheel']) {
    if ((await tool('getent', ['group', group])).code === 0) return group;
  }
  return undefined;
}

/** Writes (or removes) `~/.ssh/authorized_keys` as the user itself. */
async function writeAuthorizedKey(account: Account, key: string | undefined): Promise<void> {
  const script =
    key === undefined
      ? 'rm -f "$HOME/.ssh/authorized_keys"'
      : 'umask 077 && mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" && cat > "$HOME/.ssh/authorized_keys" && chmod 600 "$HOME/.ssh/authorized_keys"';
  const result = await tool('/bin/sh', ['-c', script], {
    uid: account.uid,
    gid: account.gid,
    env: { PATH: SBIN_PATH, HOME: account.home, LANG: 'C' },
    ...(key === undefined ? {} : { input: `${key}\n` }),
  });
  failUnless(result, 'writing authorized_keys');
}
