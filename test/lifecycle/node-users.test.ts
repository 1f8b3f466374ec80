/**
 * Compute Node - Add User, Update User and Delete User through the official SDK, on a real local node whose agent
 * runs as root: the operating-system account is created (`getent passwd`, GECOS marker, home), the password
 * works (checked against /etc/shadow with the system's crypt), the SSH key is in `~/.ssh/authorized_keys`
 * (content, mode 0600, owner), an admin is in `sudo`, an update replaces password/key/expiry, a delete removes
 * the account and its home; duplicates, unknown users, bad names and past expiry times are refused, an existing
 * account Batchite did not create is never touched, and a node whose agent declines OS users refuses them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { RunningAgent } from '@batchite/agent';
import { BatchClient, BatchError } from '@batchite/client';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { RUN_TIMEOUT_MS, waitForIdleNodes, withRunner } from '../execution/helpers.js';
import { waitFor } from '../support/wait.js';
import { makeTempDir, startRemoteAgentWith } from '../security/files-support.js';

const MARKER = 'batchite-node-user';
const SSH_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFJcX9m3v0cJ7H6m4nq3d6nQ0YkV7l6Tj2bS9xq0Lq1a test@batchite';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasUseradd = ['/usr/sbin/useradd', '/sbin/useradd'].some((path) => existsSync(path));
const skip = !isRoot
  ? 'the agent must run as root to create operating-system users'
  : !hasUseradd
    ? 'useradd is not installed'
    : false;

/** Every OS account these tests may create, removed afterwards whatever happened. */
const created = new Set<string>();

function newName(): string {
  const name = `bnu${randomBytes(5).toString('hex')}`;
  created.add(name);
  return name;
}

interface Passwd {
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

function passwd(name: string): Passwd | undefined {
  const answer = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (answer.status !== 0) return undefined;
  const [, , uid, gid, comment, home, shell] = answer.stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid), comment: comment ?? '', home: home ?? '', shell: shell ?? '' };
}

function shadowHash(name: string): string | undefined {
  const line = readFileSync('/etc/shadow', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  return line?.split(':')[1];
}

/** Whether `password` matches the account's hash, by the system's crypt(3) (through perl). */
function passwordWorks(name: string, password: string): boolean {
  const hash = shadowHash(name) ?? '';
  const check = spawnSync(
    'perl',
    ['-e', 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "yes" : "no"', password, hash],
    {
      encoding: 'utf8',
    },
  );
  return check.stdout === 'yes';
}

/** Account expiry as `chage -l` shows it (e.g. "Jan 02, 2027" or "never"). */
function accountExpiry(name: string): string {
  const out = execFileSync('chage', ['-l', name], {
    encoding: 'utf8',
    env: { LANG: 'C', PATH: process.env.PATH },
  });
  return /Account expires\s*:\s*(.*)/.exec(out)?.[1]?.trim() ?? '';
}

function groupsOf(name: string): string[] {
  return execFileSync('id', ['-nG', name], { encoding: 'utf8' }).trim().split(/\s+/);
}

function removeOsUser(name: string): void {
  if (passwd(name) === undefined) return;
  spawnSync('userdel', ['-r', name], { stdio: 'ignore' });
}

describe('node user accounts', { skip }, () => {
  const runner = withRunner({ nodes: 1 });
  let nodeId = '';

  before(async () => {
    const nodes = await runner.client.computeNode.list(runner.poolId);
    nodeId = nodes[0]?.id ?? '';
  });
  after(() => {
    for (const name of created) removeOsUser(name);
  });

  it('adds an admin with a password and an SSH key as an OS account, then deletes it', async () => {
    const { client, poolId } = runner;
    const name = newName();
    const expiryTime = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    const answer = await client.computeNode.addUser(poolId, nodeId, {
      name,
      isAdmin: true,
      password: 'S3cret:pass word',
      sshPublicKey: SSH_KEY,
      expiryTime,
    });
    assert.equal(answer._response.status, 201);
    const account = passwd(name);
    assert.ok(account, 'the OS account exists');
    assert.equal(account.comment, `${MARKER} ${nodeId}`);
    assert.ok(account.uid >= 1000, `a regular uid, got ${account.uid}`);
    assert.ok(statSync(account.home).isDirectory(), 'home directory made');
    assert.ok(passwordWorks(name, 'S3cret:pass word'), 'the password is set');
    assert.ok(!passwordWorks(name, 'wrong'), 'another password does not work');
    const keyFile = `${account.home}/.ssh/authorized_keys`;
    assert.equal(readFileSync(keyFile, 'utf8'), `${SSH_KEY}\n`);
    const info = statSync(keyFile);
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(info.uid, account.uid);
    assert.equal(statSync(`${account.home}/.ssh`).mode & 0o777, 0o700);
    if (spawnSync('getent', ['group', 'sudo']).status === 0) assert.ok(groupsOf(name).includes('sudo'));
    assert.notEqual(accountExpiry(name), 'never');

    const deleted = await client.computeNode.deleteUser(poolId, nodeId, name);
    assert.equal(deleted._response.status, 200);
    assert.equal(passwd(name), undefined, 'the OS account is gone');
    assert.equal(existsSync(account.home), false, 'its home is gone');
    await expectBatchError(client.computeNode.deleteUser(poolId, nodeId, name), {
      statusCode: 404,
      code: 'NodeUserNotFound',
    });
  });

  it('updates password, key and expiry, and a PUT without them removes password and key', async () => {
    const { client, poolId } = runner;
    const name = newName();
    await client.computeNode.addUser(poolId, nodeId, { name, password: 'first-pass' });
    const account = passwd(name);
    assert.ok(account);
    assert.ok(!groupsOf(name).includes('sudo'), 'not an admin');
    assert.equal(existsSync(`${account.home}/.ssh/authorized_keys`), false);
    const before = accountExpiry(name);

    const later = new Date(Date.now() + 40 * 24 * 3600 * 1000);
    const updated = await client.computeNode.updateUser(poolId, nodeId, name, {
      password: 'second-pass',
      sshPublicKey: SSH_KEY,
      expiryTime: later,
    });
    assert.equal(updated._response.status, 200);
    assert.ok(passwordWorks(name, 'second-pass'));
    assert.ok(!passwordWorks(name, 'first-pass'));
    assert.equal(readFileSync(`${account.home}/.ssh/authorized_keys`, 'utf8'), `${SSH_KEY}\n`);
    assert.notEqual(accountExpiry(name), before, 'the expiry moved');

    await client.computeNode.updateUser(poolId, nodeId, name, {});
    assert.equal(shadowHash(name), '*', 'no password login any more');
    assert.equal(existsSync(`${account.home}/.ssh/authorized_keys`), false, 'the key is removed');
    await client.computeNode.deleteUser(poolId, nodeId, name);
  });

  it('refuses duplicates, unknown users, bad names and past expiry times', async () => {
    const { client, poolId } = runner;
    const name = newName();
    await client.computeNode.addUser(poolId, nodeId, { name, sshPublicKey: SSH_KEY });
    await expectBatchError(client.computeNode.addUser(poolId, nodeId, { name, password: 'x1' }), {
      statusCode: 409,
      code: 'NodeUserExists',
    });
    const unknown = newName();
    await expectBatchError(client.computeNode.updateUser(poolId, nodeId, unknown, { password: 'x1' }), {
      statusCode: 404,
      code: 'NodeUserNotFound',
    });
    await expectBatchError(client.computeNode.deleteUser(poolId, nodeId, unknown), {
      statusCode: 404,
      code: 'NodeUserNotFound',
    });
    for (const bad of ['root', 'Upper', '1abc', 'sshd', 'systemd-x', '_azbt_x']) {
      await expectBatchError(client.computeNode.addUser(poolId, nodeId, { name: bad, password: 'x1' }), {
        statusCode: 400,
        code: 'InvalidPropertyValue',
      });
    }
    const past = new Date(Date.now() - 60_000);
    const pastUser = newName();
    await expectBatchError(
      client.computeNode.addUser(poolId, nodeId, { name: pastUser, password: 'x1', expiryTime: past }),
      { statusCode: 400, code: 'InvalidPropertyValue' },
    );
    await expectBatchError(client.computeNode.updateUser(poolId, nodeId, name, { expiryTime: past }), {
      statusCode: 400,
      code: 'InvalidPropertyValue',
    });
    assert.equal(passwd(pastUser), undefined);
    await expectBatchError(client.computeNode.addUser(poolId, 'no-such-node', { name: newName() }), {
      statusCode: 404,
      code: 'NodeNotFound',
    });
    await client.computeNode.deleteUser(poolId, nodeId, name);
  });

  it('never touches an OS account it did not create', async () => {
    const { client, poolId } = runner;
    const name = newName();
    execFileSync('useradd', ['-M', '-c', 'someone else', name]);
    const before = readFileSync('/etc/shadow', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name}:`));
    await expectBatchError(client.computeNode.addUser(poolId, nodeId, { name, password: 'taken-1' }), {
      statusCode: 409,
      code: 'NodeUserExists',
    });
    assert.equal(passwd(name)?.comment, 'someone else');
    assert.equal(
      readFileSync('/etc/shadow', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(`${name}:`)),
      before,
    );
    // The failed add left no record behind.
    await expectBatchError(client.computeNode.deleteUser(poolId, nodeId, name), {
      statusCode: 404,
      code: 'NodeUserNotFound',
    });
    assert.ok(passwd(name), 'still there');
  });

  it('works through the Batchite client: addNodeUser, updateNodeUser, deleteNodeUser', async () => {
    const { url, accountName, accountKey } = runner.server;
    const client = new BatchClient({ endpoint: url, accountName, accountKey });
    const name = newName();
    await client.addNodeUser(runner.poolId, nodeId, { name, password: 'client-pass', isAdmin: false });
    assert.ok(passwordWorks(name, 'client-pass'));
    await assert.rejects(client.addNodeUser(runner.poolId, nodeId, { name }), (error: unknown) => {
      assert.ok(error instanceof BatchError);
      assert.equal(error.code, 'NodeUserExists');
      assert.equal(error.kind, 'alreadyExists');
      return true;
    });
    await client.updateNodeUser(runner.poolId, nodeId, name, { sshPublicKey: SSH_KEY });
    assert.equal(shadowHash(name), '*');
    const home = passwd(name)?.home ?? '';
    assert.equal(readFileSync(`${home}/.ssh/authorized_keys`, 'utf8'), `${SSH_KEY}\n`);
    await client.deleteNodeUser(runner.poolId, nodeId, name);
    assert.equal(passwd(name), undefined);
    await assert.rejects(client.deleteNodeUser(runner.poolId, nodeId, name), (error: unknown) => {
      assert.ok(error instanceof BatchError);
      assert.equal(error.kind, 'notFound');
      return true;
    });
  });

  it('a reimage removes the node’s accounts, a reboot keeps them', async () => {
    const { client, poolId } = runner;
    const kept = newName();
    await client.computeNode.addUser(poolId, nodeId, { name: kept, password: 'kept-pass' });
    const before = (await client.computeNode.get(poolId, nodeId)).lastBootTime?.getTime();
    await client.computeNode.reboot(poolId, nodeId);
    const rebooted = await bootedAgain(poolId, before);
    assert.ok(passwd(kept), 'a reboot keeps the account');
    await client.computeNode.reimage(poolId, nodeId);
    await bootedAgain(poolId, rebooted);
    assert.equal(passwd(kept), undefined, 'a reimage removes it');
    await expectBatchError(client.computeNode.deleteUser(poolId, nodeId, kept), {
      statusCode: 404,
      code: 'NodeUserNotFound',
    });
  });

  /** Waits until the node is idle with a lastBootTime after `before`; returns the new one. */
  async function bootedAgain(poolId: string, before: number | undefined): Promise<number | undefined> {
    let boot: number | undefined;
    await waitFor(
      async () => {
        const node = await runner.client.computeNode.get(poolId, nodeId);
        boot = node.lastBootTime?.getTime();
        return node.state === 'idle' && boot !== before;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `node ${nodeId} booted again` },
    );
    return boot;
  }

  describe('an agent that leaves its pool', () => {
    let agent: RunningAgent | undefined;
    let root = '';
    after(async () => {
      await agent?.close();
      if (root !== '') await rm(root, { recursive: true, force: true });
    });

    it('takes its accounts with it', async () => {
      const { client } = runner;
      root = await makeTempDir('batchite-node-users-leave-');
      const poolId = await addPool(client, { targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
      agent = await startRemoteAgentWith(runner.server, poolId, root, {});
      await waitForIdleNodes(client, poolId, 1);
      const name = newName();
      await client.computeNode.addUser(poolId, agent.nodeId, { name, sshPublicKey: SSH_KEY });
      assert.equal(passwd(name)?.comment, `${MARKER} ${agent.nodeId}`);
      await agent.close();
      assert.equal(passwd(name), undefined);
    });
  });

  describe('an agent that declines OS users', () => {
    let agent: RunningAgent | undefined;
    let root = '';
    after(async () => {
      await agent?.close();
      if (root !== '') await rm(root, { recursive: true, force: true });
    });

    it('is refused with 409 OperationNotValidOnNode saying why', async () => {
      const { client } = runner;
      root = await makeTempDir('batchite-node-users-');
      const poolId = await addPool(client, { targetDedicatedNodes: 0, taskSlotsPerNode: 1 });
      agent = await startRemoteAgentWith(runner.server, poolId, root, { nodeUsers: false });
      await waitForIdleNodes(client, poolId, 1);
      const name = newName();
      const error = await expectBatchError(
        client.computeNode.addUser(poolId, agent.nodeId, { name, password: 'x1' }),
        { statusCode: 409, code: 'OperationNotValidOnNode' },
      );
      const body = error.body as { message?: { value?: string } };
      assert.match(body.message?.value ?? '', /cannot create operating-system users.*root/);
      assert.equal(passwd(name), undefined);
    });
  });
});
