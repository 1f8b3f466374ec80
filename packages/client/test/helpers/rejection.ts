import assert from 'node:assert/strict';
import { isBatchError, type BatchError } from '../../src/index.js';

/** The `BatchError` a call rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<BatchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isBatchError(error), `expected a BatchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}
