/**
 * `batchite why`: every waiting situation set up for real (real server, real local nodes running real processes),
 * then explained by the spawned CLI — the code, the headline and the suggested action. Situations are set up with
 * the client in-process to keep the suite quick; the verbs themselves are driven through the CLI in cli.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JobAddParameter, TaskAddParameter } from '@batchite/protocol';
import { cli, cliJson, testServer, waitFor, type TestServer } from './support.js';

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

async function job(id: string, extra: Partial<JobAddParameter> = {}): Promise<void> {
  await t.client.createJob({ id, poolInfo: { poolId: 'local' }, ...extra });
}

async function task(jobId: string, id: string, commandLine: string, extra: Partial<TaskAddParameter> = {}) {
  await t.client.createTask(jobId, { id, commandLine, ...extra });
}

function reached(jobId: string, taskId: string, test: (state: string, retries: number) => boolean) {
  return waitFor(`${jobId}/${taskId}`, async () => {
    const found = await t.client.getTask(jobId, taskId);
    return test(found.state ?? '', found.executionInfo?.retryCount ?? 0) ? true : undefined;
  });
}

/** `batchite why JOB TASK`: the headline names `code`; returns the whole text. */
async function expectWhy(jobId: string, taskId: string, code: string): Promise<string> {
  const text = await ok('why', jobId, taskId);
  const headline = text.split('\n')[0]!;
  assert.match(headline, /^Task \S+ of job \S+ is waiting: \w+ \(/, text);
  assert.equal(/waiting: (\w+)/.exec(headline)?.[1], code, text);
  return text;
}

const SLEEP = '/bin/sh -c "sleep 60"';

describe('batchite why', () => {
  it('JobDisabled: says so and suggests enabling the job, last', async () => {
    await job('held');
    await t.client.disableJob('held', 'requeue');
    await task('held', 't', '/bin/sh -c "echo never"');
    const text = await expectWhy('held', 't', 'JobDisabled');
    assert.match(text, /needs action/);
    assert.equal(text.trim().split('\n').at(-1), 'To fix: batchite job enable held');
    assert.equal((await cliJson(t.env, 'why', 'held', 't')).waitInfo.code, 'JobDisabled', 'the same in JSON');
  });

  it('PoolNotFound and PoolHasNoNodes', async () => {
    await job('lost', { poolInfo: { poolId: 'ghost' } });
    await task('lost', 't', '/bin/sh -c "echo x"');
    assert.match(await expectWhy('lost', 't', 'PoolNotFound'), /targets pool ghost, which does not exist/);

    await t.client.createPool({ id: 'empty', vmSize: 'local', targetDedicatedNodes: 0 });
    await job('starved', { poolInfo: { poolId: 'empty' } });
    await task('starved', 't', '/bin/sh -c "echo x"');
    const text = await expectWhy('starved', 't', 'PoolHasNoNodes');
    assert.match(text, /To fix: batchite agent --pool empty/);
  });

  it('WaitingOnDependencies and DependencyFailed, and the job-wide histogram', async () => {
    await job('deps', { usesTaskDependencies: true });
    await task('deps', 'waits', '/bin/sh -c "echo x"', { dependsOn: { taskIds: ['later'] } });
    assert.match(
      await expectWhy('deps', 'waits', 'WaitingOnDependencies'),
      /Waiting on 1 of 1 parents: later/,
    );

    await task('deps', 'parent', '/bin/sh -c "exit 1"');
    await task('deps', 'child', '/bin/sh -c "echo x"', { dependsOn: { taskIds: ['parent'] } });
    await reached('deps', 'parent', (state) => state === 'completed');
    const text = await expectWhy('deps', 'child', 'DependencyFailed');
    assert.match(text, /never runs as configured/);
    assert.equal(text.trim().split('\n').at(-1), 'To fix: batchite task reactivate deps parent');

    const histogram = await cliJson(t.env, 'why', 'deps');
    assert.deepEqual(histogram.waiting.map((group: any) => [group.code, group.taskIds]).sort(), [
      ['DependencyFailed', ['child']],
      ['WaitingOnDependencies', ['waits']],
    ]);
    const summary = await ok('why', 'deps');
    assert.match(summary, /^2 waiting: 1 \w+( \(never\))?, 1 \w+( \(never\))?$/m);
    assert.match(summary, /DependencyFailed \(never\)/);
    const list = await ok('task', 'list', 'deps', '--state', 'active');
    assert.match(list, /^child\s+active\s.*DependencyFailed/m, 'task list shows the REASON column');
    assert.match(list, /^waits\s+active\s.*WaitingOnDependencies/m);
  });

  it('JobMaxParallelTasks', async () => {
    await job('limited', { maxParallelTasks: 1 });
    await task('limited', 'first', SLEEP);
    await reached('limited', 'first', (state) => state === 'running');
    await task('limited', 'second', '/bin/sh -c "echo x"');
    assert.match(await expectWhy('limited', 'second', 'JobMaxParallelTasks'), /maxParallelTasks=1/);
    await t.client.terminateJob('limited');
  });

  it('RetryBackoff, from the job metadata batchite.taskRetryBackoff', async () => {
    const backoff = JSON.stringify({ initial: 'PT1H', jitter: 'none' });
    await job('backoff', {
      constraints: { maxTaskRetryCount: 1 },
      metadata: [{ name: 'batchite.taskRetryBackoff', value: backoff }],
    });
    await task('backoff', 'flaky', '/bin/sh -c "exit 2"');
    await reached('backoff', 'flaky', (state, retries) => state === 'active' && retries === 1);
    const text = await expectWhy('backoff', 'flaky', 'RetryBackoff');
    assert.match(text, /Changes by itself at /);
    assert.match(text, /retries 1, requeues 0/);
  });

  it('NodesBusy', async () => {
    await t.client.createPool({ id: 'tiny', vmSize: 'local', targetDedicatedNodes: 1, taskSlotsPerNode: 1 });
    await waitFor('the node of pool tiny', async () => {
      for await (const node of t.client.listNodes('tiny')) if (node.state === 'idle') return true;
      return undefined;
    });
    await job('crowded', { poolInfo: { poolId: 'tiny' } });
    await task('crowded', 'hog', SLEEP);
    await reached('crowded', 'hog', (state) => state === 'running');
    await task('crowded', 'next', '/bin/sh -c "echo x"');
    assert.match(
      await expectWhy('crowded', 'next', 'NodesBusy'),
      /All slots on 1 node\(s\) of pool tiny are busy/,
    );
    await t.client.terminateJob('crowded');
  });

  it('explains a task that is not waiting', async () => {
    await job('plain');
    await task('plain', 'done', '/bin/sh -c "echo x"');
    await reached('plain', 'done', (state) => state === 'completed');
    const text = await ok('why', 'plain', 'done');
    assert.match(text, /^Task done of job plain is completed: Completed at .*: succeeded\./);
  });
});
