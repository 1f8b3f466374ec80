/** Resource verbs, task logs, fault rules and readable errors with their exit codes — the CLI as a user runs it. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, cliJson, STACK_LINE, startCli, testServer, waitFor, type TestServer } from './support.js';

let t: TestServer;

before(async () => {
  t = await testServer();
});
after(async () => {
  await t?.dispose();
});

async function ok(...args: string[]): Promise<string> {
  const result = await cli(t.env, ...args);
  assert.equal(result.code, 0, `batchite ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A loopback port nothing listens on (it was free a moment ago): connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits in-process (a spawned CLI per poll would only slow the suite down). */
async function completed(jobId: string, taskId: string): Promise<void> {
  await waitFor(`${taskId} to complete`, async () =>
    (await t.client.getTask(jobId, taskId)).state === 'completed' ? true : undefined,
  );
}

describe('readable errors and exit codes', () => {
  it('not found: exit 5, the Batch code, what to do and the request id, no stack trace', async () => {
    const result = await cli(t.env, 'job', 'show', 'nope');
    assert.equal(result.code, 5);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.match(lines[0]!, /^error: JobNotFound: /);
    assert.match(lines[1]!, /^ {2}what to do: .*batchite job list/);
    assert.match(lines[2]!, /^ {2}request id: [0-9a-f-]{36}$/);
    assert.equal(lines.length, 3);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('a wrong account key: exit 4', async () => {
    const wrongKey = Buffer.from('not the key of this account').toString('base64');
    const result = await cli({ ...t.env, BATCHITE_ACCOUNT_KEY: wrongKey }, 'pool', 'list');
    assert.equal(result.code, 4);
    assert.match(result.stderr, /^error: AuthenticationFailed: /);
    assert.match(result.stderr, /what to do: .*BATCHITE_ACCOUNT_KEY/);
    assert.doesNotMatch(result.stderr, STACK_LINE);
  });

  it('an unreachable server: exit 3 after the retries', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const commands = join(t.scratch, 'unreachable.txt');
    writeFileSync(commands, 'echo never sent\n');
    // Side by side (each rides the retries for the CLI's deadline): run says nothing of a job it never created.
    const [result, run] = await Promise.all([
      cli({ ...t.env, BATCHITE_ENDPOINT: endpoint }, 'job', 'list'),
      cli({ ...t.env, BATCHITE_ENDPOINT: endpoint }, 'run', commands),
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.ok(run.stderr.startsWith(`error: cannot reach ${endpoint}: `), run.stderr);
    assert.doesNotMatch(run.stderr, /Submitting|keeps running|Added/);
    assert.equal(result.code, 3);
    assert.ok(result.stderr.startsWith(`error: cannot reach ${endpoint}: `), result.stderr);
    assert.match(result.stderr, /ECONNREFUSED/);
    // A refused connection rides until the CLI's deadline: more attempts than maxAttempts would allow.
    const attempts = Number(/\((\d+) attempts\)/.exec(result.stderr)?.[1]);
    assert.ok(attempts > 4, result.stderr);
  });

  it('a state conflict and an existing id: exit 6; usage errors: exit 2', async () => {
    await ok('job', 'create', 'conflicts');
    const again = await cli(t.env, 'job', 'create', 'conflicts');
    assert.equal(again.code, 6);
    assert.match(again.stderr, /^error: JobExists: /);
    await ok('job', 'terminate', 'conflicts');
    const enable = await cli(t.env, 'job', 'enable', 'conflicts');
    assert.equal(enable.code, 6, enable.stderr);
    assert.match(enable.stderr, /^error: \w+: job conflicts /);

    const unknown = await cli(t.env, 'job', 'list', '--no-such-flag');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--no-such-flag'/);
    const badNumber = await cli(t.env, 'pool', 'resize', 'local', '--nodes', 'many');
    assert.equal(badNumber.code, 2);
  });
});

describe('resource verbs', () => {
  it('pool, node, job and task: create, list, show, and the same in JSON and as names', async () => {
    assert.match(
      await ok('pool', 'list'),
      /^ID\s+STATE\s+ALLOCATION\s+NODES.*\nlocal\s+active\s+\w+\s+2\/2\s+4\s/,
    );
    assert.deepEqual((await ok('node', 'list', 'local', '-o', 'name')).trim().split('\n').length, 2);
    const nodes = await cliJson(t.env, 'node', 'list', 'local');
    const node = await cliJson(t.env, 'node', 'show', 'local', nodes[0].id);
    assert.equal(node.id, nodes[0].id);

    assert.equal((await ok('job', 'create', 'verbs', '--priority', '5', '-o', 'name')).trim(), 'verbs');
    assert.match(
      await ok('task', 'create', 'verbs', 'hello', '--', '/bin/sh', '-c', 'echo hi there'),
      /Added task hello/,
    );
    await completed('verbs', 'hello');
    const task = await cliJson(t.env, 'task', 'show', 'verbs', 'hello');
    assert.equal(task.commandLine, '/bin/sh -c "echo hi there"');
    assert.equal(task.executionInfo.exitCode, 0);
    assert.match(await ok('task', 'list', 'verbs'), /^hello\s+succeeded\s+0\s+0\s+\d+s\s+tvm-/m);
    assert.equal((await ok('job', 'list', '-o', 'name')).split('\n').includes('verbs'), true);
    const job = await cliJson(t.env, 'job', 'show', 'verbs');
    assert.equal(job.priority, 5);
    assert.equal(job.taskCounts.succeeded, 1);

    await ok('task', 'delete', 'verbs', 'hello');
    assert.equal((await cli(t.env, 'task', 'show', 'verbs', 'hello')).code, 5);
    await ok('job', 'terminate', 'verbs', '--reason', 'done here');
    await ok('job', 'delete', 'verbs');
  });
});

describe('task logs', () => {
  it('--follow streams the output of a running task and ends when it completes', async () => {
    const gate = join(t.scratch, 'go');
    await ok('job', 'create', 'logs');
    await ok(
      'task',
      'create',
      'logs',
      'stream',
      `/bin/sh -c "echo first; while [ ! -f ${gate} ]; do sleep 0.05; done; echo second"`,
    );
    const follow = startCli(t.env, ['task', 'logs', 'logs', 'stream', '--follow', '--interval', '100']);
    // The first line arrives while the task still runs (it waits for the gate file).
    await waitFor('the first line', () =>
      Promise.resolve(follow.stdout().includes('first\n') ? true : undefined),
    );
    assert.equal((await t.client.getTask('logs', 'stream')).state, 'running');
    assert.equal(follow.child.exitCode, null, 'still following');
    writeFileSync(gate, '');
    const result = await follow.output;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'first\nsecond\n');
    assert.equal((await t.client.getTask('logs', 'stream')).state, 'completed');
  });

  it('--follow says why the task waits, then ends with its outcome: exit 1 when it failed', async () => {
    const gate = join(t.scratch, 'parent-go');
    await ok('job', 'create', 'waits', '--uses-task-dependencies');
    await ok('task', 'create', 'waits', 'parent', `/bin/sh -c "while [ ! -f ${gate} ]; do sleep 0.05; done"`);
    await ok(
      'task',
      'create',
      'waits',
      'child',
      '/bin/sh -c "echo child ran; exit 3"',
      '--depends-on',
      'parent',
    );
    const follow = startCli(t.env, ['task', 'logs', 'waits', 'child', '--follow', '--interval', '100']);
    await waitFor('the wait reason', () =>
      Promise.resolve(follow.stderr().includes('waiting: WaitingOnDependencies') ? true : undefined),
    );
    writeFileSync(gate, '');
    const result = await follow.output;
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, 'child ran\n');
    assert.match(result.stderr.trim().split('\n').at(-1)!, /^task child failed: exit code 3/);
  });

  it('--follow stops at once with the reason when the task will not run', async () => {
    await ok('job', 'create', 'held');
    await ok('job', 'disable', 'held');
    await ok('task', 'create', 'held', 'stuck', '/bin/sh -c "echo never"');
    const result = await cli(t.env, 'task', 'logs', 'held', 'stuck', '--follow', '--interval', '100');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /task stuck will not run: JobDisabled: .*batchite job enable held/);
  });

  it('says that stderr is empty, and --tail prints the last lines', async () => {
    await ok('task', 'create', 'logs', 'lines', '/bin/sh -c "seq 1 10"');
    await completed('logs', 'lines');
    const stderr = await cli(t.env, 'task', 'logs', 'logs', 'lines', '--stderr');
    assert.equal(stderr.code, 0);
    assert.equal(stderr.stdout, '');
    assert.match(stderr.stderr, /^stderr is empty$/m);
    assert.equal(await ok('task', 'logs', 'logs', 'lines', '--tail', '3'), '8\n9\n10\n');
    assert.equal(
      await ok('task', 'logs', 'logs', 'lines'),
      `${Array.from({ length: 10 }, (_, i) => i + 1).join('\n')}\n`,
    );
  });
});

describe('batchite faults', () => {
  it('adds, lists and clears fault rules', async () => {
    const file = join(t.scratch, 'faults.json');
    writeFileSync(
      file,
      JSON.stringify({
        rules: [
          {
            id: 'slow-lists',
            match: { method: 'GET', path: '/jobs' },
            action: { type: 'latency', ms: 1 },
          },
        ],
      }),
    );
    assert.match(await ok('faults', 'add', file), /Added 1 fault rule\(s\): slow-lists/);
    await ok(
      'faults',
      'add',
      '{"id":"busy","match":{"path":"/pools"},"count":1,"action":{"type":"error","status":503,"code":"ServerBusy","retryAfter":1}}',
    );
    // The CLI's own retry handler rides through the injected 503 (it honours Retry-After).
    await ok('pool', 'list');
    const snapshot = await cliJson(t.env, 'faults', 'list');
    assert.deepEqual(
      snapshot.rules.map((rule: any) => [rule.id, rule.injected]),
      [
        ['slow-lists', 0],
        ['busy', 1],
      ],
    );
    assert.match(
      await ok('faults', 'list'),
      /^busy\s+path=\/pools\s+1\s+1\s+1\s+error status=503 code=ServerBusy retryAfter=1$/m,
    );
    await ok('faults', 'clear', 'busy');
    assert.equal((await cliJson(t.env, 'faults', 'list')).rules.length, 1);
    await ok('faults', 'clear');
    assert.match(await ok('faults', 'list'), /no fault rules/);
    const bad = await cli(t.env, 'faults', 'add', '{"action":{"type":"explode"}}');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: InvalidRequestBody: /);
  });
});
