/**
 * waitForJob / waitForTasks with a fake clock against a scripted server: progress reported on change, the poll
 * interval (500 ms, growing ×1.5 while nothing changes, back to 500 after a change), every poll through the retry
 * engine, the timeout as a `BatchError` of kind `timeout`, and an abort honoured at once — mid-sleep and mid-poll.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { CloudTask, TaskCounts } from '@batchite/protocol';
import { FakeClock } from '@batchite/retry';
import { BatchClient, isBatchError, WAIT_TIMEOUT_CODE, type BatchError } from '../src/index.js';
import {
  ACCOUNT,
  KEY,
  sendError,
  sendJson,
  startScriptedServer,
  type Handler,
  type ScriptedServer,
} from './helpers/scripted-server.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  handler: Handler,
): Promise<{ client: BatchClient; clock: FakeClock; s: ScriptedServer }> {
  server = await startScriptedServer(handler);
  const clock = new FakeClock(Date.now());
  // No call deadline: its timer would be one more sleep on the fake clock.
  const retry = { clock, baseDelayMs: 1, maxDelayMs: 2, jitter: 'none' as const, deadlineMs: Infinity };
  const client = new BatchClient({ endpoint: server.url, accountName: ACCOUNT, accountKey: KEY, retry });
  return { client, clock, s: server };
}

const counts = (active: number, running: number, succeeded: number, failed = 0): TaskCounts => ({
  active,
  running,
  completed: succeeded + failed,
  succeeded,
  failed,
});

/** Answers task counts and the job from the mutable `state`. */
function jobServer(state: { counts: TaskCounts; jobState: string }): Handler {
  return (req, res) => {
    if (req.path === '/jobs/j1/taskcounts') {
      return sendJson(res, 200, { taskCounts: state.counts, taskSlotCounts: state.counts });
    }
    if (req.path === '/jobs/j1') return sendJson(res, 200, { id: 'j1', state: state.jobState });
    sendError(res, 404, 'ResourceNotFound');
  };
}

/**
 * Advances the fake clock to each next wake-up until `promise` settles (polls in between are real HTTP). `sleepers`:
 * how many sleeps are pending while the wait is idle (2 with a timeout: its timer and the poll interval).
 */
async function drive<T>(clock: FakeClock, promise: Promise<T>, sleepers = 1): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  watched.catch(() => undefined);
  for (;;) {
    await Promise.race([clock.sleeping(sleepers), watched.catch(() => undefined)]);
    if (settled) return watched;
    await clock.advance((clock.nextWakeAt() ?? clock.now()) - clock.now());
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the wait to reject');
}

const pollsOf = (s: ScriptedServer, path: string) => s.requests.filter((r) => r.path === path).length;

describe('waitForJob (fake clock)', () => {
  it('reports each change, polls at 500 ms growing ×1.5 while unchanged, resolves with the final counts', async () => {
    const state = { counts: counts(2, 0, 0), jobState: 'active' };
    const { client, clock, s } = await setup(jobServer(state));
    const progress: TaskCounts[] = [];
    const done = client.waitForJob('j1', { onProgress: (c) => progress.push(c) });
    await clock.sleeping(1);
    assert.deepEqual(progress, [counts(2, 0, 0)]);
    assert.equal(pollsOf(s, '/jobs/j1'), 1, 'only waiting tasks: the job state is read too');
    await clock.advance(500); // unchanged: the next interval grows
    await clock.sleeping(1);
    state.counts = counts(1, 1, 0);
    await clock.advance(750); // changed: back to 500
    await clock.sleeping(1);
    state.counts = counts(0, 0, 1, 1);
    await clock.advance(500);
    assert.deepEqual(await done, counts(0, 0, 1, 1));
    assert.deepEqual(progress, [counts(2, 0, 0), counts(1, 1, 0), counts(0, 0, 1, 1)]);
    assert.deepEqual(clock.sleepLog, [500, 750, 500]);
    assert.equal(pollsOf(s, '/jobs/j1/taskcounts'), 4);
    assert.equal(pollsOf(s, '/jobs/j1'), 2, 'no job read while a task runs or when all completed');
  });

  it('a job that ended with tasks still waiting resolves once nothing runs', async () => {
    const { client, clock } = await setup(jobServer({ counts: counts(3, 0, 1), jobState: 'completed' }));
    assert.deepEqual(await drive(clock, client.waitForJob('j1')), counts(3, 0, 1));
  });

  it('every poll goes through the retry engine: a 503 and a 500 are retried, not fatal', async () => {
    let n = 0;
    const final = jobServer({ counts: counts(0, 0, 2), jobState: 'active' });
    const { client, clock, s } = await setup((req, res) => {
      n += 1;
      if (n === 1) return sendError(res, 503, 'ServerBusy');
      if (n === 2) return sendError(res, 500, 'InternalError');
      void final(req, res);
    });
    assert.deepEqual(await drive(clock, client.waitForJob('j1')), counts(0, 0, 2));
    assert.equal(pollsOf(s, '/jobs/j1/taskcounts'), 3);
    assert.ok(
      clock.sleepLog.every((ms) => ms <= 2),
      `only the engine's backoff slept: ${clock.sleepLog.join(', ')}`,
    );
  });

  it('timeoutMs: rejects with a BatchError of kind timeout, code WaitTimeout, at the deadline', async () => {
    const { client, clock, s } = await setup(jobServer({ counts: counts(1, 1, 0), jobState: 'active' }));
    const start = clock.now();
    const error = (await rejection(
      drive(clock, client.waitForJob('j1', { timeoutMs: 2000 }), 2),
    )) as BatchError;
    assert.ok(isBatchError(error), String(error));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.code, WAIT_TIMEOUT_CODE);
    assert.match(
      error.message,
      /job j1: not every task completed \(active 1, running 1, completed 0\) within 2000 ms/,
    );
    assert.equal(clock.now() - start, 2000);
    assert.equal(
      pollsOf(s, '/jobs/j1/taskcounts'),
      3,
      'polls at 0, 500 and 1250 ms; the next would be at 2375',
    );
  });

  it('an abort ends the wait at once: while it sleeps, while a poll is in flight, or before it starts', async () => {
    let hold: (() => void) | undefined;
    const state = { counts: counts(1, 0, 0), jobState: 'active' };
    const answer = jobServer(state);
    const { client, clock, s } = await setup((req, res) => {
      if (hold === undefined) return answer(req, res);
      hold = () => void answer(req, res); // held: the test never releases it
    });
    const sleeping = new AbortController();
    const first = client.waitForJob('j1', { signal: sleeping.signal });
    await clock.sleeping(1);
    sleeping.abort(new Error('stop sleeping'));
    assert.equal(((await rejection(first)) as Error).message, 'stop sleeping');
    assert.equal(clock.pendingSleeps, 0, 'no timer left behind');

    hold = () => undefined;
    const polling = new AbortController();
    const before = s.requests.length;
    const second = client.waitForJob('j1', { signal: polling.signal });
    while (s.requests.length === before) await new Promise((resolve) => setImmediate(resolve));
    polling.abort(new Error('stop polling'));
    assert.equal(((await rejection(second)) as Error).message, 'stop polling');

    const already = AbortSignal.abort(new Error('never started'));
    const count = s.requests.length;
    assert.equal(
      ((await rejection(client.waitForJob('j1', { signal: already }))) as Error).message,
      'never started',
    );
    assert.equal(s.requests.length, count);
  });

  it('refuses bad options', async () => {
    const { client } = await setup(jobServer({ counts: counts(0, 0, 0), jobState: 'active' }));
    await assert.rejects(client.waitForJob('j1', { timeoutMs: 0 }), TypeError);
    await assert.rejects(client.waitForJob('j1', { intervalMs: -1 }), TypeError);
    await assert.rejects(client.waitForJob('j1', { intervalMs: 100, maxIntervalMs: 50 }), TypeError);
  });
});

describe('waitForTasks (fake clock)', () => {
  function tasksServer(tasks: CloudTask[]): Handler {
    return (req, res) => {
      if (req.path === '/jobs/j1/tasks') return sendJson(res, 200, { value: tasks });
      sendError(res, 404, 'ResourceNotFound');
    };
  }

  it('waits for the given tasks only, reports them by state, resolves with them in the order asked', async () => {
    const tasks: CloudTask[] = [
      { id: 'a', state: 'active' },
      { id: 'b', state: 'running' },
      { id: 'c', state: 'active' },
    ];
    const { client, clock } = await setup(tasksServer(tasks));
    const progress: unknown[] = [];
    const done = client.waitForTasks('j1', ['b', 'a', 'b'], { onProgress: (p) => progress.push(p) });
    await clock.sleeping(1);
    tasks[0]!.state = 'completed';
    tasks[1]!.state = 'completed';
    const final = await drive(clock, done);
    assert.deepEqual(
      final.map((t) => [t.id, t.state]),
      [
        ['b', 'completed'],
        ['a', 'completed'],
      ],
    );
    assert.deepEqual(progress, [
      { total: 2, active: 1, running: 1, completed: 0 },
      { total: 2, active: 0, running: 0, completed: 2 },
    ]);
  });

  it('without ids waits for every task of the job; an unknown id rejects with TaskNotFound', async () => {
    const tasks: CloudTask[] = [{ id: 'a', state: 'preparing' }];
    const { client, clock } = await setup(tasksServer(tasks));
    const progress: unknown[] = [];
    const done = client.waitForTasks('j1', undefined, { onProgress: (p) => progress.push(p) });
    await clock.sleeping(1);
    tasks[0]!.state = 'completed';
    assert.deepEqual(
      (await drive(clock, done)).map((t) => t.id),
      ['a'],
    );
    assert.deepEqual(progress[0], { total: 1, active: 0, running: 1, completed: 0 });
    const error = (await rejection(client.waitForTasks('j1', ['a', 'zz']))) as BatchError;
    assert.ok(isBatchError(error));
    assert.equal(error.kind, 'notFound');
    assert.equal(error.code, 'TaskNotFound');
    assert.match(error.message, /job j1 has no task zz/);
  });
});
