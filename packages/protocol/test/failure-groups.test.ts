import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_LINE_CHARS, firstLine, groupFailures, type FailedTaskSample } from '../src/index.js';

void test('groups by exit code and first stderr line, largest first, with example ids in id order', () => {
  const samples: FailedTaskSample[] = [
    { id: 't3', exitCode: 1, stderrFirstLine: 'No such file: a.csv' },
    { id: 't1', exitCode: 1, stderrFirstLine: 'No such file: a.csv' },
    { id: 't2', exitCode: 2, stderrFirstLine: 'No such file: a.csv' },
    { id: 't9', exitCode: 1, stderrFirstLine: 'No such file: a.csv' },
    { id: 't5', exitCode: 1, stderrFirstLine: 'No such file: a.csv' },
  ];
  const groups = groupFailures(samples);
  assert.equal(groups.length, 2, 'the same line with another exit code is another group');
  assert.deepEqual(groups[0], {
    exitCode: 1,
    line: 'No such file: a.csv',
    fromStderr: true,
    count: 4,
    exampleIds: ['t1', 't3', 't5'],
  });
  assert.equal(groups[1]?.exitCode, 2);
  assert.equal(groups[1]?.count, 1);
});

void test('a task without stderr is grouped by its failure code and message instead', () => {
  const groups = groupFailures([
    { id: 'a', failureCode: 'TaskEnded', failureMessage: 'The task was terminated.' },
    { id: 'b', exitCode: 1, failureCode: 'FailureExitCode', failureMessage: 'exit code' },
    { id: 'c', failureCode: 'TaskEnded', failureMessage: 'The task was terminated.' },
  ]);
  assert.deepEqual(
    groups.map((group) => [group.count, group.exitCode, group.line, group.fromStderr]),
    [
      [2, undefined, 'TaskEnded: The task was terminated.', false],
      [1, 1, 'FailureExitCode: exit code', false],
    ],
  );
});

void test('firstLine skips blank lines and clips long ones', () => {
  assert.equal(firstLine('\n  \r\nboom\nsecond'), 'boom');
  assert.equal(firstLine(' \n'), undefined);
  const long = firstLine('x'.repeat(1000));
  assert.equal(long?.length, FAILURE_LINE_CHARS);
  assert.ok(long?.endsWith('…'));
});
