import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AttemptTimeoutError,
  CLASSIFICATION_TABLE,
  RetryError,
  classifyWith,
  defaultClassifier,
  type RetryDecision,
} from '../src/index.js';
import { fetchError, httpError } from './helpers.js';

const NOW = 1_000_000;
const classify = (error: unknown, attempt = 1): RetryDecision =>
  defaultClassifier(error, { attempt, now: NOW });

describe('default classification by HTTP status', () => {
  const cases: Array<[number, Record<string, string>, RetryDecision['kind'], string]> = [
    [408, {}, 'retry', 'request-timeout'],
    [429, {}, 'throttled', 'too-many-requests'],
    [429, { 'retry-after': '2' }, 'throttled', 'too-many-requests'],
    [503, { 'retry-after': '2' }, 'throttled', 'server-busy'],
    [503, {}, 'retry', 'service-unavailable'],
    [500, {}, 'retry', 'server-error'],
    [502, {}, 'retry', 'server-error'],
    [504, {}, 'retry', 'server-error'],
    [507, {}, 'retry', 'server-error'],
    [501, {}, 'fatal', 'not-implemented'],
    [505, {}, 'fatal', 'http-version-not-supported'],
    [400, {}, 'fatal', 'client-error'],
    [401, {}, 'fatal', 'client-error'],
    [404, {}, 'fatal', 'client-error'],
    [409, {}, 'fatal', 'client-error'],
    [412, {}, 'fatal', 'client-error'],
    [304, {}, 'fatal', 'unexpected-status'],
  ];
  for (const [status, headers, kind, reason] of cases) {
    it(`${status}${headers['retry-after'] ? ' + Retry-After' : ''} → ${kind} (${reason})`, () => {
      const decision = classify(httpError(status, undefined, headers));
      assert.equal(decision.kind, kind);
      assert.equal(decision.reason, reason);
    });
  }

  it('reads `status` when `statusCode` is absent, and carries Retry-After as retryAfterMs', () => {
    const error = Object.assign(new Error('x'), {
      status: 429,
      headers: new Headers({ 'retry-after': '3' }),
    });
    assert.deepEqual(classify(error), {
      kind: 'throttled',
      reason: 'too-many-requests',
      unprocessed: true,
      retryAfterMs: 3000,
    });
  });

  it('uses a numeric retryAfterMs already on the error', () => {
    const error = Object.assign(httpError(503), { retryAfterMs: 1500 });
    assert.deepEqual(classify(error), {
      kind: 'throttled',
      reason: 'server-busy',
      unprocessed: true,
      retryAfterMs: 1500,
    });
  });

  it('marks only requests that certainly had no effect as unprocessed', () => {
    assert.equal((classify(httpError(500)) as { unprocessed?: boolean }).unprocessed, undefined);
    assert.equal((classify(httpError(408)) as { unprocessed?: boolean }).unprocessed, true);
  });
});

describe('default classification of network errors', () => {
  const retryable: Array<[string, string, boolean]> = [
    ['ECONNREFUSED', 'connection-refused', true],
    ['ECONNRESET', 'connection-reset', false],
    ['ETIMEDOUT', 'timed-out', false],
    ['EPIPE', 'broken-pipe', false],
    ['EHOSTUNREACH', 'host-unreachable', true],
    ['ENETUNREACH', 'network-unreachable', true],
    ['ENETDOWN', 'network-down', true],
    ['EHOSTDOWN', 'host-down', true],
    ['EAI_AGAIN', 'dns-temporary-failure', true],
    ['UND_ERR_SOCKET', 'socket-closed', false],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect-timeout', true],
    ['UND_ERR_HEADERS_TIMEOUT', 'headers-timeout', false],
    ['UND_ERR_BODY_TIMEOUT', 'body-timeout', false],
  ];
  // Every network failure that proves the request was not processed is one that never arrived.
  for (const [code, reason, unprocessed] of retryable) {
    it(`fetch TypeError with cause.code ${code} → retry (${reason})`, () => {
      const decision = classify(fetchError(code));
      const never = unprocessed ? { unprocessed, neverArrived: true } : {};
      assert.deepEqual(decision, { kind: 'retry', reason, ...never });
    });
  }

  it('reads a code on the thrown error itself (node:http style)', () => {
    const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    assert.equal(classify(error).reason, 'connection-reset');
  });

  it('finds codes inside an AggregateError (happy-eyeballs connect failures)', () => {
    const inner = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const error = new TypeError('fetch failed', { cause: new AggregateError([inner], 'all failed') });
    assert.equal(classify(error).reason, 'connection-refused');
  });

  it('retries ENOTFOUND on the first attempt only', () => {
    assert.equal(classify(fetchError('ENOTFOUND'), 1).kind, 'retry');
    assert.deepEqual(classify(fetchError('ENOTFOUND'), 2), { kind: 'fatal', reason: 'dns-not-found' });
  });

  it('treats the engine attempt timeout as retryable and TimeoutError / AbortError by name', () => {
    assert.equal(classify(new AttemptTimeoutError(100)).reason, 'attempt-timeout');
    assert.equal(classify(new DOMException('t', 'TimeoutError')).kind, 'retry');
    assert.deepEqual(classify(new DOMException('a', 'AbortError')), { kind: 'fatal', reason: 'aborted' });
  });

  it('does not retry unknown errors, bugs, or errors an inner loop already retried', () => {
    assert.deepEqual(classify(new TypeError('x is undefined')), { kind: 'fatal', reason: 'unclassified' });
    assert.deepEqual(classify('a string'), { kind: 'fatal', reason: 'unclassified' });
    assert.deepEqual(classify(undefined), { kind: 'fatal', reason: 'unclassified' });
    const inner = new RetryError({
      reason: 'attempts-exhausted',
      attempts: 4,
      history: [],
      cause: fetchError('ECONNRESET'),
      elapsedMs: 10,
    });
    assert.deepEqual(classify(inner), { kind: 'fatal', reason: 'already-retried' });
  });

  it('survives a cause cycle', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    assert.equal(classify(a).reason, 'unclassified');
  });

  it('has one rule per status, code and name', () => {
    const keys = CLASSIFICATION_TABLE.map((rule) => JSON.stringify(rule.match));
    assert.equal(new Set(keys).size, keys.length);
  });
});

describe('classifier chain', () => {
  it('asks custom classifiers in order and falls back to the default', () => {
    const seen: string[] = [];
    const first = (): undefined => void seen.push('first');
    const second = (error: unknown): RetryDecision | undefined => {
      seen.push('second');
      return (error as { code?: string }).code === 'Custom' ? { kind: 'retry', reason: 'custom' } : undefined;
    };
    const custom = Object.assign(new Error(), { code: 'Custom' });
    assert.equal(classifyWith([first, second], custom, { attempt: 1, now: NOW }).reason, 'custom');
    assert.equal(
      classifyWith([first, second], httpError(404), { attempt: 1, now: NOW }).reason,
      'client-error',
    );
    assert.deepEqual(seen, ['first', 'second', 'first', 'second']);
  });

  it("keeps the server's Retry-After when a custom classifier does not give one", () => {
    const error = httpError(409, 'OperationInProgress', { 'retry-after': '7' });
    const decision = classifyWith([() => ({ kind: 'throttled', reason: 'busy' })], error, {
      attempt: 1,
      now: NOW,
    });
    assert.deepEqual(decision, { kind: 'throttled', reason: 'busy', retryAfterMs: 7000 });
  });

  it('lets a classifier make a default-retryable error fatal', () => {
    const decision = classifyWith([() => ({ kind: 'fatal', reason: 'nope' })], httpError(503), {
      attempt: 1,
      now: NOW,
    });
    assert.deepEqual(decision, { kind: 'fatal', reason: 'nope' });
  });
});
