/**
 * Job-scoped bearer tokens: what a task whose `authenticationTokenSettings.access` includes `job` gets as
 * `AZ_BATCH_AUTHENTICATION_TOKEN`. Batch: "the authentication token grants access to a limited set of Batch
 * service operations … 'job', which grants access to all operations related to the Job which contains the
 * Task" (Azure Batch REST reference, AuthenticationTokenSettings).
 *
 * Form: `bjt1.<payload>.<mac>`, payload = base64url JSON {job id, job nonce, expiry}, mac = HMAC-SHA256 of the
 * payload under a key derived one-way from the account key (the account key itself never signs and never
 * leaves the server; a server that changes its key invalidates every token). The nonce is random per job, so
 * a token of a deleted job does not open a later job with the same id. Who may call what with a token is
 * decided in `job-token-auth.ts`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Account } from './authentication.js';

/** A token is valid this long after it was issued (a task's later runs get fresh tokens). */
export const JOB_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const PREFIX = 'bjt1';
const KEY_LABEL = 'batchite/job-token/v1';

export interface JobTokenClaims {
  jobId: string;
  /** The job's `tokenNonce` when the token was issued. */
  nonce: string;
  /** Expiry, ms since the epoch (server clock). */
  expiresAt: number;
}

export type JobTokenReading = { ok: true; claims: JobTokenClaims } | { ok: false; reason: string };

export function newTokenNonce(): string {
  return randomBytes(12).toString('base64url');
}

const keys = new WeakMap<Account, Buffer>();

function signingKey(account: Account): Buffer {
  let key = keys.get(account);
  if (key === undefined) {
    key = createHmac('sha256', Buffer.from(account.key, 'base64')).update(KEY_LABEL).digest();
    keys.set(account, key);
  }
  return key;
}

function mac(account: Account, payload: string): Buffer {
  return createHmac('sha256', signingKey(account)).update(payload).digest();
}

export function issueJobToken(account: Account, claims: JobTokenClaims): string {
  const body = { j: claims.jobId, n: claims.nonce, e: claims.expiresAt };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${PREFIX}.${payload}.${mac(account, payload).toString('base64url')}`;
}

function parsePayload(payload: string): JobTokenClaims | undefined {
  try {
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof body.j !== 'string' || typeof body.n !== 'string' || typeof body.e !== 'number')
      return undefined;
    return { jobId: body.j, nonce: body.n, expiresAt: body.e };
  } catch {
    return undefined;
  }
}

/** Checks form, signature (constant time) and expiry; the job's own standing is checked by the caller. */
export function readJobToken(account: Account, token: string, nowMs: number): JobTokenReading {
  const parts = token.split('.');
  const [prefix, payload, signature] = parts;
  if (parts.length !== 3 || prefix !== PREFIX || payload === undefined || signature === undefined) {
    return { ok: false, reason: 'The bearer token is not a token this server issued.' };
  }
  const expected = mac(account, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'The bearer token signature is not valid.' };
  }
  const claims = parsePayload(payload);
  if (claims === undefined) return { ok: false, reason: 'The bearer token payload is malformed.' };
  if (claims.expiresAt <= nowMs) {
    return { ok: false, reason: `The bearer token expired at ${new Date(claims.expiresAt).toISOString()}.` };
  }
  return { ok: true, claims };
}
