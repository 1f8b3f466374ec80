/**
 * Node credentials. The account key never leaves the server process; agents hold one of these instead:
 *
 * - the pool's **join token**: lets an agent register a node in that one pool, and nothing else. It is an
 *   HMAC-SHA256 of the pool id under the account key, so every server sharing the account key and the store
 *   accepts it, no store change is needed, and rotating the account key revokes every join token at once.
 *   Operators get it with an authenticated call (`GET /.batchite/pools/{poolId}/join-token`, Shared Key);
 * - the **node token** a registration returns: heartbeat, claim, complete and leave for that one node id.
 *
 * Neither is accepted by the Batch API (Shared Key only) nor by another pool's or node's routes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { idKey } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { Account } from '../http/authentication.js';

/** `Authorization: BatchiteJoin <joinToken>` on a register request. */
export const JOIN_SCHEME = 'BatchiteJoin';
/** Prefix of every join token, so a leaked one is recognisable (secret scanners, logs). */
const JOIN_PREFIX = 'bjt1_';

/** The join token of `poolId` (pool ids are case-insensitive, so is the token's pool). */
export function joinTokenFor(account: Account, poolId: string): string {
  const mac = createHmac('sha256', Buffer.from(account.key, 'base64'))
    .update(`batchite-join-token\n${account.name}\n${idKey(poolId)}`)
    .digest('base64url');
  return `${JOIN_PREFIX}${mac}`;
}

function joinRefused(detail: string) {
  return apiError('AuthenticationFailed', { values: [{ key: 'AuthenticationErrorDetail', value: detail }] });
}

/** Checks `Authorization: BatchiteJoin <token>` against the pool named in the path (403 otherwise). */
export function checkJoinToken(account: Account, poolId: string, authorization: string | undefined): void {
  const prefix = `${JOIN_SCHEME} `;
  if (authorization === undefined || !authorization.startsWith(prefix)) {
    throw joinRefused(`Expected '${JOIN_SCHEME} <join token>' (see docs/node-api.md).`);
  }
  const actual = Buffer.from(authorization.slice(prefix.length).trim(), 'utf8');
  const expected = Buffer.from(joinTokenFor(account, poolId), 'utf8');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw joinRefused(`The join token is not valid for pool '${poolId}'.`);
  }
}
