/**
 * Issue #12, point 2: tasks run as Batch's auto-user. Against a real `batchite serve` with local agents: a task
 * without `userIdentity` runs as its own unprivileged user (one per task), `autoUser.scope: pool` shares one
 * user per pool, `elevationLevel: admin` runs as root, `userName` runs as the pool's user account; a task cannot
 * read another task's output, and its directory is its own (0700) below directories it may only pass (0711).
 * The user-switch cases need a root agent: elsewhere they skip with the reason (CI runs as root).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBatchError } from '@batchite/client';
import { waitFor } from '../support/wait.js';
import { NOT_ROOT, runToCompletion, startServe, taskDir, type ServeProcess } from './identity-support.js';

if (NOT_ROOT !== undefined) console.log(`# user-switch tests skipped: ${NOT_ROOT}`);

const WHO = `/bin/sh -c 'id -u; whoami; echo "$HOME"'`;

function who(stdout: string): { uid: number; name: string; home: string } {
  const [uid, name, home] = stdout.trim().split('\n');
  return { uid: Number(uid), name: name ?? '', home: home ?? '' };
}

describe('task identity (userIdentity, pool userAccounts)', () => {
  let dir: string;
  let serve: ServeProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batchite-identity-'));
    await chmod(dir, 0o711); // tasks look for a gate file here
    serve = await startServe(join(dir, 'data'));
    await serve.client.createJob({ id: 'ids', poolInfo: { poolId: 'local' } });
  });
  after(async () => {
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a userName the pool does not have, naming the property', async () => {
    const error = await serve.client
      .createTask('ids', { id: 'ghost', commandLine: '/bin/true', userIdentity: { userName: 'ghost' } })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    assert.ok(isBatchError(error), 'a BatchError');
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, 'InvalidPropertyValue');
    assert.ok(error.values.some((v) => v.key === 'PropertyName' && v.value === 'userIdentity.userName'));
  });

  it('refuses userName and autoUser together', async () => {
    const error = await serve.client
      .createTask('ids', {
        id: 'both',
        commandLine: '/bin/true',
        userIdentity: { userName: 'a', autoUser: { scope: 'task' } },
      })
      .catch((thrown: unknown) => thrown);
    assert.ok(isBatchError(error));
    assert.equal(error.statusCode, 400);
    assert.ok(error.values.some((v) => v.key === 'PropertyName' && v.value === 'userIdentity'));
  });

  it('refuses a pool user account with a uid but no gid, naming the property', async () => {
    const error = await serve.client
      .createPool({
        id: 'badaccounts',
        vmSize: 'local',
        userAccounts: [{ name: 'bob', password: 'pw', linuxUserConfiguration: { uid: 20001 } }],
      })
      .catch((thrown: unknown) => thrown);
    assert.ok(isBatchError(error));
    assert.equal(error.statusCode, 400);
    assert.ok(
      error.values.some(
        (v) => v.key === 'PropertyName' && v.value === 'userAccounts[0].linuxUserConfiguration',
      ),
    );
  });

  it(
    'runs a task without userIdentity as its own unprivileged user, one per running task',
    { skip: NOT_ROOT },
    async () => {
      // Both run at once (the node has slots for both), each until the gate opens.
      const gate = join(dir, 'gate');
      const held = `/bin/sh -c 'id -u; whoami; echo "$HOME"; while [ ! -e ${gate} ]; do sleep 0.05; done'`;
      for (const id of ['who1', 'who2']) await serve.client.createTask('ids', { id, commandLine: held });
      const outputs = await waitFor(
        async () => {
          const texts = await Promise.all(
            ['who1', 'who2'].map((id) =>
              taskDir(serve, 'ids', id)
                .then((dir) => readFile(join(dir, 'stdout.txt'), 'utf8'))
                .catch(() => ''),
            ),
          );
          return texts.every((text) => text.split('\n').length > 3) ? texts : undefined;
        },
        { timeoutMs: 60_000, what: 'both tasks to run at once' },
      );
      await writeFile(gate, '');
      const [a, b] = outputs.map(who) as [ReturnType<typeof who>, ReturnType<typeof who>];
      assert.notEqual(a.uid, 0, 'not root');
      assert.match(a.name, /^_azbt_[0-9a-f]{10}_\d+$/, 'a named task auto-user (whoami works)');
      assert.notEqual(a.uid, b.uid, 'task-scope users differ between running tasks');
      assert.notEqual(a.name, b.name);
      assert.equal(a.home, join(await taskDir(serve, 'ids', 'who1'), 'wd'), 'HOME is inside its own dirs');
    },
  );

  it(
    'shares one user between pool-scope tasks and runs admin tasks as root',
    { skip: NOT_ROOT },
    async () => {
      const pool = { autoUser: { scope: 'pool' as const, elevationLevel: 'nonadmin' as const } };
      const first = who(
        (await runToCompletion(serve, 'ids', { id: 'pool1', commandLine: WHO, userIdentity: pool })).stdout,
      );
      const second = who(
        (await runToCompletion(serve, 'ids', { id: 'pool2', commandLine: WHO, userIdentity: pool })).stdout,
      );
      assert.match(first.name, /^_azbp_[0-9a-f]{12}$/);
      assert.notEqual(first.uid, 0);
      assert.deepEqual([second.uid, second.name], [first.uid, first.name], 'one user per pool');
      const admin = await runToCompletion(serve, 'ids', {
        id: 'admin',
        commandLine: WHO,
        userIdentity: { autoUser: { scope: 'task', elevationLevel: 'admin' } },
      });
      assert.deepEqual([who(admin.stdout).uid, who(admin.stdout).name], [0, 'root']);
    },
  );

  it('runs as a pool user account with its uid and gid', { skip: NOT_ROOT }, async () => {
    await serve.client.createPool({
      id: 'accounts',
      vmSize: 'local',
      targetDedicatedNodes: 1,
      userAccounts: [
        { name: 'btalice', password: 'unused', linuxUserConfiguration: { uid: 23456, gid: 23456 } },
      ],
    });
    await serve.client.createJob({ id: 'acc', poolInfo: { poolId: 'accounts' } });
    const result = await runToCompletion(serve, 'acc', {
      id: 'alice',
      commandLine: `/bin/sh -c 'id -u; whoami; id -g'`,
      userIdentity: { userName: 'btalice' },
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['23456', 'btalice', '23456']);
  });

  it("keeps a task out of another task's directory", { skip: NOT_ROOT }, async () => {
    const secret = 'secret-output-of-victim';
    const victim = await runToCompletion(serve, 'ids', {
      id: 'victim',
      commandLine: `/bin/sh -c 'echo ${secret}; echo ${secret} > kept.txt'`,
    });
    assert.equal(victim.exitCode, 0);
    const victimDir = await taskDir(serve, 'ids', 'victim');
    const thief = await runToCompletion(serve, 'ids', {
      id: 'thief',
      commandLine: `/bin/sh -c 'cat ${victimDir}/stdout.txt; cat ${victimDir}/wd/kept.txt; ls ${dirname(victimDir)}'`,
    });
    assert.notEqual(thief.exitCode, 0);
    assert.ok(!thief.stdout.includes(secret), "the other task's output stays unread");
    assert.match(thief.stderr, /Permission denied/);
    assert.ok(!thief.stdout.includes('victim'), 'the job directory cannot be listed');
  });

  it(
    'gives each task directory to its user (0700) under pass-through directories (0711), then to root',
    { skip: NOT_ROOT },
    async () => {
      const result = await runToCompletion(serve, 'ids', {
        id: 'modes',
        commandLine: `/bin/sh -c 'id -u; stat -c "%a %u" "$AZ_BATCH_TASK_DIR" "$AZ_BATCH_TASK_DIR/stdout.txt"'`,
      });
      assert.equal(result.exitCode, 0, result.stderr);
      const [uid, dirMode, fileMode] = result.stdout.trim().split('\n');
      assert.equal(dirMode, `700 ${uid}`, "while it runs, the task directory is its user's alone");
      assert.equal(fileMode, `600 ${uid}`, 'and so is its stdout.txt');
      const modesDir = await taskDir(serve, 'ids', 'modes');
      const nodeRoot = dirname(dirname(dirname(dirname(modesDir))));
      for (const above of [
        dirname(modesDir),
        join(nodeRoot, 'workitems'),
        nodeRoot,
        dirname(nodeRoot),
        serve.dataDir,
      ]) {
        assert.equal((await stat(above)).mode & 0o777, 0o711, `${above} is 0711`);
      }
      // After the run the directory is root's, so the next task lent the same user cannot enter it.
      const after = await stat(modesDir);
      assert.deepEqual([after.mode & 0o777, after.uid], [0o700, 0]);
    },
  );
});
