import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  AttemptTimeoutError,
  DeadlineExceededError,
  RetryError,
  describeError,
  isAttemptTimeoutError,
  isDeadlineExceededError,
  isRetryError,
  unwrapRetryError,
} from '../src/index.js';
import { fetchError, httpError } from './helpers.js';

function retryError(cause: unknown): RetryError {
  return new RetryError({ reason: 'deadline', attempts: 2, history: [], cause, elapsedMs: 5 });
}

describe('RetryError', () => {
  it('says why in plain words', () => {
    assert.equal(
      retryError(httpError(503, 'ServerBusy')).message,
      'gave up after 2 attempts (deadline: the next attempt would end past the deadline): last error 503 ServerBusy',
    );
    assert.equal(retryError(new TypeError('boom')).message.endsWith('last error TypeError: boom'), true);
    assert.equal(retryError(fetchError('ECONNRESET')).message.endsWith('last error ECONNRESET'), true);
  });

  it('is recognised across package copies by its Symbol.for brand', () => {
    const foreign = Object.defineProperty(new Error('x'), Symbol.for('batchite.retry.RetryError'), {
      value: true,
    });
    assert.equal(isRetryError(foreign), true);
    assert.equal(foreign instanceof RetryError, true);
    assert.equal(isRetryError(new Error('x')), false);
    assert.equal(new Error('x') instanceof RetryError, false);
    assert.equal(isRetryError(null), false);
  });

  it('has a stable code and name, and the cause', () => {
    const cause = new Error('inner');
    const error = retryError(cause);
    assert.equal(error.code, 'RETRY_GAVE_UP');
    assert.equal(error.name, 'RetryError');
    assert.equal(error.cause, cause);
    assert.equal(unwrapRetryError(error), cause);
    assert.equal(unwrapRetryError(cause), cause);
  });
});

describe('engine abort reasons', () => {
  it('are branded and carry codes', () => {
    assert.ok(isAttemptTimeoutError(new AttemptTimeoutError(10)));
    assert.ok(isDeadlineExceededError(new DeadlineExceededError(10)));
    assert.ok(!isAttemptTimeoutError(new DeadlineExceededError(10)));
    assert.equal(new AttemptTimeoutError(10).code, 'RETRY_ATTEMPT_TIMEOUT');
    assert.equal(new DeadlineExceededError(10).name, 'TimeoutError');
  });
});

describe('describeError', () => {
  it('prefers status and code, then name and message', () => {
    assert.equal(describeError(httpError(404, 'JobNotFound')), '404 JobNotFound');
    assert.equal(describeError(httpError(500)), '500');
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError({}), '[object Object]');
  });
});
