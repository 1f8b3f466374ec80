import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fixedRandom, parseHttpDate, parseRetryAfter, retryAfterWait, seededRandom } from '../src/index.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds, including 0 and decimals', () => {
    assert.equal(parseRetryAfter({ 'retry-after': '120' }, NOW), 120_000);
    assert.equal(parseRetryAfter({ 'retry-after': '0' }, NOW), 0);
    assert.equal(parseRetryAfter({ 'retry-after': ' 1.5 ' }, NOW), 1500);
  });

  it('reads an IMF-fixdate, an RFC 850 date and an asctime date (as GMT)', () => {
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, NOW), 30_000);
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.parse('1994-11-06T08:49:00Z')), 37_000);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994', Date.parse('1994-11-06T08:49:00Z')), 37_000);
  });

  it('turns a date in the past into 0', () => {
    assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, NOW), 0);
  });

  it('prefers retry-after-ms, then x-ms-retry-after-ms, then retry-after', () => {
    const all = { 'retry-after': '9', 'x-ms-retry-after-ms': '700', 'retry-after-ms': '250' };
    assert.equal(parseRetryAfter(all, NOW), 250);
    assert.equal(parseRetryAfter({ 'retry-after': '9', 'x-ms-retry-after-ms': '700' }, NOW), 700);
  });

  it('ignores negative and garbage values, falling through to the next header', () => {
    for (const bad of ['-1', 'soon', '', '1e3', 'NaN', '-5.5', 'Thu, 01 Jan 2026 garbage GMT']) {
      assert.equal(parseRetryAfter({ 'retry-after': bad }, NOW), undefined, bad);
    }
    assert.equal(parseRetryAfter({ 'retry-after-ms': '-5', 'retry-after': '2' }, NOW), 2000);
    assert.equal(parseRetryAfter({ 'retry-after-ms': 'x', 'x-ms-retry-after-ms': '30' }, NOW), 30);
  });

  it('reads WHATWG Headers and mixed-case or array-valued records', () => {
    assert.equal(parseRetryAfter(new Headers({ 'Retry-After': '3' }), NOW), 3000);
    assert.equal(parseRetryAfter({ 'Retry-After': '4' }, NOW), 4000);
    assert.equal(parseRetryAfter({ 'retry-after': ['5', '6'] }, NOW), 5000);
    assert.equal(parseRetryAfter({ 'retry-after-ms': 80 }, NOW), 80);
  });

  it('returns undefined without headers or without the header', () => {
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter({}, NOW), undefined);
    assert.equal(parseRetryAfter(new Headers(), NOW), undefined);
  });
});

describe('retryAfterWait', () => {
  it('spreads the wait over [RA, 2·RA] with jitter factor 1', () => {
    assert.equal(retryAfterWait(1000, 1, 60_000, fixedRandom(0)), 1000);
    assert.equal(retryAfterWait(1000, 1, 60_000, fixedRandom(0.5)), 1500);
    const random = seededRandom(3);
    const draws = Array.from({ length: 5000 }, () => retryAfterWait(1000, 1, 60_000, random));
    assert.ok(draws.every((d) => d >= 1000 && d < 2000));
    assert.ok(Math.min(...draws) < 1050 && Math.max(...draws) > 1950, 'covers the window');
  });

  it('waits exactly RA with jitter factor 0, and 0 for RA 0', () => {
    assert.equal(retryAfterWait(1234, 0, 60_000, fixedRandom(0.7)), 1234);
    assert.equal(retryAfterWait(0, 1, 60_000, fixedRandom(0.7)), 0);
  });

  it('never exceeds maxRetryAfterMs: the spread is trimmed, a larger RA is clamped', () => {
    assert.equal(retryAfterWait(40_000, 1, 60_000, fixedRandom(0.999)), 59_980); // window [40 s, 60 s]
    assert.equal(retryAfterWait(90_000, 1, 60_000, fixedRandom(0.5)), 60_000);
  });
});
