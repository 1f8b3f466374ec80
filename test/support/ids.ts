/** Unique, valid Batch ids so tests sharing one server never collide. */
import { randomBytes } from 'node:crypto';

let counter = 0;

/** `prefix-<counter>-<random>`; stays well under the 64-character limit for short prefixes. */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(4).toString('hex')}`;
}

/** The api-version `@azure/batch` 10.2.0 sends on every request (the Azure Batch REST reference headline facts). */
export const SDK_API_VERSION = '2022-10-01.16.0';

/** A pool id no test creates: jobs bound to it are accepted but their tasks never run (the Azure Batch REST reference job add). */
export const NO_SUCH_POOL = 'pool-that-does-not-exist';
