import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalInstant, formatInstant } from '../src/index.js';

void test('canonical instants are UTC with 7 fractional digits', () => {
  const cases: [string, string][] = [
    ['2016-09-06T06:59:15.1161429Z', '2016-09-06T06:59:15.1161429Z'],
    ['2016-09-06T06:59:15Z', '2016-09-06T06:59:15.0000000Z'],
    ['2016-09-06T06:59:15.5Z', '2016-09-06T06:59:15.5000000Z'],
    ['2016-09-06T06:59:15.123456789Z', '2016-09-06T06:59:15.1234567Z'],
    ['2016-09-06', '2016-09-06T00:00:00.0000000Z'],
    ['2016-09-06T06:59', '2016-09-06T06:59:00.0000000Z'],
    ['2016-09-06T08:59:15+02:00', '2016-09-06T06:59:15.0000000Z'],
    ['2016-09-06T00:30:00-0100', '2016-09-06T01:30:00.0000000Z'],
    ['2016-01-01T00:30:00+01:00', '2015-12-31T23:30:00.0000000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.0000000Z'],
  ];
  for (const [input, expected] of cases) assert.equal(canonicalInstant(input), expected, input);
  assert.equal(canonicalInstant(new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6))), '2020-01-02T03:04:05.0060000Z');
});

void test('invalid instants', () => {
  for (const input of [
    '',
    'yesterday',
    '2023-02-29',
    '2016-13-01',
    '2016-09-06T24:00:00Z',
    '2016-09-06T06:60',
    '16-09-06',
  ]) {
    assert.equal(canonicalInstant(input), undefined, input);
  }
  assert.equal(canonicalInstant(5), undefined);
  assert.equal(canonicalInstant(new Date(Number.NaN)), undefined);
});

void test('canonical form sorts in time order', () => {
  const inputs = [
    '2024-01-01T00:00:00.0000001Z',
    '2023-12-31T23:59:59.9999999Z',
    '2024-01-01T01:00:00+02:00',
  ];
  const sorted = inputs.map((input) => canonicalInstant(input)!).sort();
  assert.deepEqual(sorted, [
    '2023-12-31T23:00:00.0000000Z',
    '2023-12-31T23:59:59.9999999Z',
    '2024-01-01T00:00:00.0000001Z',
  ]);
});

void test('formatInstant', () => {
  assert.equal(formatInstant(Date.UTC(2024, 0, 1, 0, 0, 0, 5)), '2024-01-01T00:00:00.0050000Z');
});
