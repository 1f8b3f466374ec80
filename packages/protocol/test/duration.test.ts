import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  UNLIMITED_DURATION,
  UNLIMITED_MS,
  formatDuration,
  isUnlimitedDuration,
  parseDuration,
  parseDurationTicks,
} from '../src/index.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

void test('parses the forms Batch uses', () => {
  const cases: [string, number][] = [
    ['PT1H', HOUR],
    ['P7D', 7 * DAY],
    ['PT15M', 15 * MINUTE],
    ['PT0.5S', 500],
    ['PT0S', 0],
    ['P0D', 0],
    ['P1DT2H3M4.5S', DAY + 2 * HOUR + 3 * MINUTE + 4500],
    ['PT90M', 90 * MINUTE],
    ['PT0.0000001S', 0.0001],
    ['PT1.1234567S', 1123.4567],
    ['P2W', 14 * DAY],
    ['P1Y', 365 * DAY],
    ['P1M', 30 * DAY],
    ['P13M', 395 * DAY],
    ['PT36H', 36 * HOUR],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

void test('truncates fractions beyond 7 digits like .NET', () => {
  assert.equal(parseDurationTicks('PT0.123456789S'), 1_234_567n);
});

void test('rejects invalid durations', () => {
  for (const text of [
    '',
    'P',
    'PT',
    'P1DT',
    '1H',
    'PT1H30',
    '-PT1H',
    'PT-1H',
    'PT1.S',
    'PT.5S',
    'PT1.5M',
    'P1.5D',
    'pt1h',
    'PT1H1H',
    'PM1S',
    'P1H',
    '00:05:00',
    'P10675199DT2H48M5.4775808S',
    'P99999999D',
  ]) {
    assert.equal(parseDuration(text), undefined, text);
  }
  assert.equal(parseDuration(undefined as unknown as string), undefined);
});

void test('formats canonically', () => {
  const cases: [number, string][] = [
    [HOUR, 'PT1H'],
    [7 * DAY, 'P7D'],
    [500, 'PT0.5S'],
    [0, 'PT0S'],
    [90 * MINUTE, 'PT1H30M'],
    [DAY + 2 * HOUR + 3 * MINUTE + 4500, 'P1DT2H3M4.5S'],
    [5 * MINUTE, 'PT5M'],
    [0.0001, 'PT0.0000001S'],
    [61_001, 'PT1M1.001S'],
    [DAY + 1, 'P1DT0.001S'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});

void test('rejects negative or non-finite milliseconds', () => {
  assert.throws(() => formatDuration(-1), RangeError);
  assert.throws(() => formatDuration(Number.NaN), RangeError);
  assert.throws(() => formatDuration(Number.POSITIVE_INFINITY), RangeError);
});

void test('unlimited round-trips as the TimeSpan.MaxValue literal', () => {
  assert.equal(parseDuration(UNLIMITED_DURATION), UNLIMITED_MS);
  assert.equal(formatDuration(UNLIMITED_MS), UNLIMITED_DURATION);
  assert.equal(isUnlimitedDuration(UNLIMITED_MS), true);
  assert.equal(isUnlimitedDuration(Number.MAX_SAFE_INTEGER), true);
  assert.equal(isUnlimitedDuration(180 * DAY), false);
  // Still a valid Date when added to "now" (why UNLIMITED_MS is not MAX_SAFE_INTEGER).
  assert.ok(Number.isFinite(new Date(Date.UTC(2030, 0, 1) + UNLIMITED_MS).getTime()));
  assert.ok(Number.isSafeInteger(UNLIMITED_MS));
  // Exactly one tick below the maximum is not unlimited in ticks.
  assert.equal(parseDurationTicks('P10675199DT2H48M5.4775806S'), 9_223_372_036_854_775_806n);
});

void test('format(parse(x)) is canonical and parse(format(ms)) round-trips', () => {
  const texts = ['PT1H', 'P7D', 'PT0.5S', 'P1DT2H3M4.5S', 'PT1M1.001S', 'P10675199DT2H48M5.4775807S', 'PT0S'];
  for (const text of texts) assert.equal(formatDuration(parseDuration(text)!), text);
  assert.equal(formatDuration(parseDuration('PT60M')!), 'PT1H');
  assert.equal(formatDuration(parseDuration('P1W')!), 'P7D');
  for (const ms of [0, 1, 999, 1000, 59_999, HOUR, DAY - 1, 30 * DAY + 0.5, 123_456_789.1234]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, String(ms));
  }
});
