/** Pure parts of the CLI: input parsing, tail offsets, status-line throttling (fake clock), colour rules, errors. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { BatchError } from '@batchite/client';
import { commandLineOf } from '../src/args.js';
import { errorReport, exitCodeOf, UsageError } from '../src/cli-errors.js';
import { tailOffset } from '../src/commands/task-logs.js';
import { generatedJobId, parseRunFile } from '../src/run-input.js';
import { progressView, statusLine } from '../src/run-progress.js';
import { colorEnabled, makeStyle } from '../src/style.js';
import { reasonLookup } from '../src/why-format.js';
import { MAX_GROUPS, renderSummary, type FailedTask, type RunOutcome } from '../src/run-summary.js';
import { prettyLine, wantsRequestLines } from '../src/log-format.js';

describe('run input', () => {
  it('reads command lines, skipping blanks and comments, with zero-padded ids', () => {
    const tasks = parseRunFile('# header\n\n/bin/true\n  /bin/false  \r\n# end\n', 'f.txt');
    assert.deepEqual(tasks, [
      { id: 'task-001', commandLine: '/bin/true' },
      { id: 'task-002', commandLine: '/bin/false' },
    ]);
    assert.equal(parseRunFile('x\n'.repeat(1200), 'big').at(-1)?.id, 'task-1200');
  });

  it('reads a JSON array of tasks and rejects what is not one', () => {
    const tasks = parseRunFile('[{"id":"a","commandLine":"x","requiredSlots":2},{"commandLine":"y"}]', 'j');
    assert.deepEqual(tasks, [
      { id: 'a', commandLine: 'x', requiredSlots: 2 },
      { id: 'task-002', commandLine: 'y' },
    ]);
    assert.throws(() => parseRunFile('[{"id":"a"}]', 'j'), /item 1 has no commandLine/);
    assert.throws(
      () => parseRunFile('[{"id":"a","commandLine":"x"},{"id":"A","commandLine":"y"}]', 'j'),
      /twice/,
    );
    assert.throws(() => parseRunFile('[1,', 'j'), UsageError);
    assert.throws(() => parseRunFile('# only\n', 'j'), /has no commands/);
  });

  it('makes valid job ids from file names', () => {
    const id = generatedJobId('/tmp/my batch.v2.txt', new Date(2026, 0, 5, 12, 0, 3), () => 0.5);
    assert.equal(id, 'run-my-batch-v2-20260105-120003-8000');
    assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
  });

  it('joins argv words into one command line, quoting where needed', () => {
    assert.equal(commandLineOf(['/bin/sh -c "echo hi"']), '/bin/sh -c "echo hi"');
    assert.equal(commandLineOf(['/bin/sh', '-c', 'echo "hi"']), '/bin/sh -c "echo \\"hi\\""');
  });
});

describe('task logs --tail', () => {
  const file = Buffer.from('one\ntwo\nthree\nfour\n');
  const read = (start: number, end: number) => Promise.resolve(new Uint8Array(file.subarray(start, end)));

  it('finds where the last N lines start, a final newline not counting as a line', async () => {
    assert.equal(file.subarray(await tailOffset(read, file.length, 2)).toString(), 'three\nfour\n');
    assert.equal(await tailOffset(read, file.length, 10), 0);
    assert.equal(await tailOffset(read, file.length, 0), file.length);
    const noNewline = Buffer.from('a\nb');
    const readIt = (s: number, e: number) => Promise.resolve(new Uint8Array(noNewline.subarray(s, e)));
    assert.equal(await tailOffset(readIt, noNewline.length, 1), 2);
  });
});

describe('run progress off a terminal', () => {
  const state = { total: 10, succeeded: 0, failed: 0, running: 2, active: 8, retried: 0 };

  it('prints the first state, then at most one line per interval, and the final state on stop', async () => {
    let now = 0;
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const view = await progressView({
      tty: false,
      stream: stream as unknown as NodeJS.WriteStream,
      statusEveryMs: 5000,
      now: () => now,
    });
    view.update(state);
    now = 1000;
    view.update({ ...state, succeeded: 1, running: 2, active: 7 });
    now = 2000;
    view.update({ ...state, succeeded: 2, running: 2, active: 6, reason: 'NodesBusy' });
    now = 6000;
    view.update({ ...state, succeeded: 5, failed: 1, running: 2, active: 2, reason: 'NodesBusy' });
    now = 7000;
    view.update({ ...state, succeeded: 9, failed: 1, running: 0, active: 0 });
    view.stop();
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 3, out);
    assert.match(lines[0]!, /done 0\/10 running 2 failed 0 retried 0 waiting 8 ETA \?$/);
    assert.match(lines[1]!, /done 6\/10 running 2 failed 1 retried 0 waiting 2 \(NodesBusy\) ETA 4s$/);
    assert.match(lines[2]!, /done 10\/10 running 0 failed 1 retried 0 waiting 0 ETA 0s$/);
  });

  it('formats a status line like the anchors', () => {
    const line = statusLine(
      { ...state, succeeded: 3, retried: 1, reason: 'NodesBusy' },
      '12s',
      new Date(2026, 0, 1, 9, 5, 7),
    );
    assert.equal(line, '09:05:07 done 3/10 running 2 failed 0 retried 1 waiting 8 (NodesBusy) ETA 12s');
  });
});

describe('colour', () => {
  const env = (values: Record<string, string>) => values;
  it('is on only for a TTY, off with NO_COLOR, --no-color or TERM=dumb, forced by FORCE_COLOR', () => {
    assert.equal(colorEnabled({ isTTY: true, colorFlag: true, env: env({}) }), true);
    assert.equal(colorEnabled({ isTTY: false, colorFlag: true, env: env({}) }), false);
    assert.equal(colorEnabled({ isTTY: true, colorFlag: true, env: env({ NO_COLOR: '1' }) }), false);
    assert.equal(colorEnabled({ isTTY: true, colorFlag: true, env: env({ NO_COLOR: '' }) }), true);
    assert.equal(colorEnabled({ isTTY: true, colorFlag: false, env: env({}) }), false);
    assert.equal(colorEnabled({ isTTY: true, colorFlag: true, env: env({ TERM: 'dumb' }) }), false);
    assert.equal(colorEnabled({ isTTY: false, colorFlag: true, env: env({ FORCE_COLOR: '1' }) }), true);
    assert.equal(makeStyle(false).red('x'), 'x');
    assert.equal(makeStyle(true).red('x'), '\u001b[31mx\u001b[39m');
  });
});

describe('errors', () => {
  const plain = makeStyle(false);

  it('maps error families to the documented exit codes', () => {
    const error = (kind: BatchError['kind']) => new BatchError({ message: 'x', kind });
    assert.equal(exitCodeOf(error('network')), 3);
    assert.equal(exitCodeOf(error('auth')), 4);
    assert.equal(exitCodeOf(error('notFound')), 5);
    assert.equal(exitCodeOf(error('invalidOperation')), 6);
    assert.equal(exitCodeOf(error('alreadyExists')), 6);
    assert.equal(exitCodeOf(error('server')), 1);
    assert.equal(exitCodeOf(new UsageError('bad')), 2);
    assert.equal(exitCodeOf(new Error('bug')), 1);
  });

  it('prints the code and meaning, what to do and the request id; the stack only with --debug', () => {
    const error = new BatchError({
      message: 'TaskCompleted: The task is completed.',
      kind: 'invalidOperation',
      code: 'TaskCompleted',
      statusCode: 409,
      requestId: 'r-1',
      explanation: 'task t1 is already completed; terminate applies to active, preparing or running tasks',
    });
    const lines = errorReport(error, { style: plain });
    assert.deepEqual(lines, [
      'error: TaskCompleted: task t1 is already completed; terminate applies to active, preparing or running tasks',
      lines[1],
      '  request id: r-1',
    ]);
    assert.match(lines[1]!, /^ {2}what to do: /);
    assert.ok(errorReport(error, { style: plain, debug: true }).some((line) => line.includes('    at ')));
  });
});

describe('task list reasons', () => {
  it('uses the listed ids, and the single code for tasks beyond the examples', () => {
    const explanation = {
      jobId: 'j',
      state: 'active',
      counts: { active: 12, running: 0, completed: 0, succeeded: 0, failed: 0 },
      waiting: [
        {
          code: 'NodesBusy' as const,
          outlook: 'will-resolve' as const,
          count: 12,
          example: '',
          taskIds: ['a'],
        },
      ],
      truncated: false,
      scanned: 12,
    };
    assert.equal(reasonLookup(explanation)('a'), 'NodesBusy');
    assert.equal(reasonLookup(explanation)('not-listed'), 'NodesBusy');
    const two = {
      ...explanation,
      waiting: [
        ...explanation.waiting,
        { ...explanation.waiting[0]!, code: 'Priority' as const, taskIds: ['b'] },
      ],
    };
    assert.equal(reasonLookup(two)('b'), 'Priority');
    assert.equal(reasonLookup(two)('not-listed'), '?');
  });
});

describe('run summary', () => {
  const style = makeStyle(false);
  const outcome = (failed: FailedTask[]): RunOutcome => ({
    jobId: 'big',
    total: 1000,
    succeeded: 1000 - failed.length,
    failed,
    notAdded: [],
    neverRan: 0,
    elapsedMs: 5000,
  });

  it('lists the largest groups with examples and counts what it does not list', () => {
    // 300 failures over 25 distinct first lines: 20 groups listed, 5 counted.
    const failed = Array.from({ length: 300 }, (_, i): FailedTask => ({
      id: `t${String(i).padStart(3, '0')}`,
      exitCode: 1,
      retryCount: 0,
      stderrFirstLine: `error ${i % 25}`,
    }));
    const text = renderSummary(outcome(failed), style, () => '5s').join('\n');
    const rows = text.split('\n').filter((line) => /^12\s+1\s+error \d+\s/.test(line));
    assert.equal(rows.length, MAX_GROUPS);
    assert.match(text, /^12\s+1\s+error 0\s+t000, t025, t050 and 9 more$/m);
    assert.match(text, /^… and 5 more group\(s\) of 60 task\(s\): batchite task list big --state failed$/m);
    assert.match(text.split('\n').at(-1)!, /^300 of 1000 tasks failed \(job big, 5s\)\.$/);
  });

  it('shows the failure code where a task left no stderr', () => {
    const text = renderSummary(
      outcome([{ id: 'x', retryCount: 0, failureCode: 'TaskEnded', failureMessage: 'terminated' }]),
      style,
      () => '1s',
    ).join('\n');
    assert.match(text, /^1\s+-\s+\(TaskEnded: terminated\)\s+x$/m);
  });
});

describe('server log format', () => {
  it('pretty: one readable line per pino line; json passes through; request lines only when asked', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5).getTime();
    assert.equal(
      prettyLine(JSON.stringify({ level: 30, time, msg: 'node n1 joined pool local' })),
      '03:04:05 node n1 joined pool local',
    );
    const failed = {
      level: 50,
      time,
      msg: 'maintenance failed',
      err: { type: 'Error', message: 'disk full' },
    };
    assert.equal(prettyLine(JSON.stringify(failed)), '03:04:05 ERROR maintenance failed : Error: disk full');
    const request = {
      level: 30,
      time,
      msg: 'request completed',
      req: { method: 'GET', url: '/jobs' },
      res: { statusCode: 200 },
      responseTime: 3.4,
    };
    assert.equal(prettyLine(JSON.stringify(request)), '03:04:05 request completed GET /jobs → 200 3 ms');
    assert.equal(prettyLine('not json\n'), 'not json');
    assert.equal(wantsRequestLines('info', 'pretty'), false);
    assert.equal(wantsRequestLines('debug', 'pretty'), true);
    assert.equal(wantsRequestLines('info', 'json'), true);
  });
});
