import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ID_MAX_LENGTH, ID_PATTERN, idKey, validateId } from '../src/index.js';

void test('valid ids', () => {
  for (const id of ['a', 'job-1', 'Task_2', '0', 'x'.repeat(ID_MAX_LENGTH), 'A-b_C-9']) {
    assert.equal(validateId(id), undefined, id);
    assert.match(id, ID_PATTERN);
  }
});

void test('invalid ids get a reason', () => {
  assert.match(validateId('') ?? '', /empty/);
  assert.match(validateId('x'.repeat(65)) ?? '', /65 characters.*maximum is 64/);
  for (const id of ['a b', 'a.b', 'a/b', 'ü', 'a\n', 'job:1', '%41']) {
    assert.match(validateId(id) ?? '', /alphanumeric/, JSON.stringify(id));
  }
  for (const id of [undefined, null, 5, {}, ['a']]) {
    assert.match(validateId(id) ?? '', /string/);
  }
});

void test('idKey makes ids case-insensitive', () => {
  assert.equal(idKey('MyJob'), idKey('myjob'));
  assert.notEqual(idKey('job1'), idKey('job2'));
  assert.equal(idKey('ABC-_9'), 'abc-_9');
});
