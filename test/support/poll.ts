/** Polling helpers over the SDK: wait for a state, or for a resource to disappear. */
import assert from 'node:assert/strict';
import { RestError } from '@azure/ms-rest-js';
import { waitFor, type WaitOptions } from './wait.js';

/** Polls `get` until it returns a resource whose `state` is `state`; returns that resource. */
export function waitForState<T extends { state?: string }>(
  get: () => Promise<T>,
  state: string,
  options: WaitOptions = {},
): Promise<T> {
  let last: string | undefined;
  return waitFor(
    async () => {
      const resource = await get();
      last = resource.state;
      return resource.state === state ? resource : undefined;
    },
    { what: `state ${state}`, lastSeen: () => last, ...options },
  );
}

/**
 * Polls `get` until it rejects with 404 and `notFoundCode`. Every state seen on the way must be in `allowedStates`
 * (e.g. `active`/`deleting` after a 202 delete).
 */
export async function waitUntilGone(
  get: () => Promise<{ state?: string }>,
  notFoundCode: string,
  allowedStates: readonly string[],
  options: WaitOptions = {},
): Promise<void> {
  const seen = new Set<string>();
  await waitFor(
    async () => {
      try {
        const resource = await get();
        seen.add(String(resource.state));
        return false;
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 404) {
          assert.equal(error.code, notFoundCode);
          return true;
        }
        throw error;
      }
    },
    { what: `${notFoundCode} after delete`, lastSeen: () => [...seen], ...options },
  );
  for (const state of seen)
    assert.ok(allowedStates.includes(state), `unexpected state while deleting: ${state}`);
}
