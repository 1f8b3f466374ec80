import type { FastifyRequest } from 'fastify';
import { parseAuthorization, stringToSign, verifySharedKey, type SignableRequest } from '@batchite/protocol';
import { apiError } from './api-error.js';
import { readJobToken, type JobTokenClaims } from './job-token.js';
import { header } from './request-context.js';

export interface Account {
  name: string;
  /** Base64 account key. */
  key: string;
}

/** A request must be signed within this window of the server's clock, either way (Azure Batch REST reference). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

function denied(detail: string) {
  return apiError('AuthenticationFailed', {
    message:
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
    values: [{ key: 'AuthenticationErrorDetail', value: detail }],
  });
}

function checkDate(request: FastifyRequest, nowMs: number): void {
  const dateText = header(request, 'ocp-date') ?? header(request, 'date');
  if (dateText === undefined) throw denied('Request date header not specified (ocp-date or Date).');
  const dateMs = Date.parse(dateText);
  if (Number.isNaN(dateMs)) throw denied(`Request date header '${dateText}' is not a valid RFC 1123 date.`);
  if (Math.abs(nowMs - dateMs) > MAX_CLOCK_SKEW_MS) {
    throw denied(
      `Request date '${dateText}' is more than 15 minutes away from the server time ${new Date(nowMs).toUTCString()}.`,
    );
  }
}

/**
 * Stage 3: Shared Key over the raw wire path (percent-encoding untouched, the Azure Batch REST reference path quirk).
 * `verifySharedKey` also accepts the variants real SDKs sign (Content-Length "" for "0", the JS SDK's query
 * canonicalisation), because SDKs disagree with the doc there.
 */
export function authenticate(request: FastifyRequest, account: Account, nowMs: number): void {
  const authorization = header(request, 'authorization');
  if (authorization === undefined || authorization === '') {
    throw denied('The Authorization header was not provided.');
  }
  const parsed = parseAuthorization(authorization);
  if (parsed === undefined) {
    throw apiError('InvalidAuthenticationInfo', {
      values: [{ key: 'AuthenticationErrorDetail', value: "Expected 'SharedKey <account>:<signature>'." }],
    });
  }
  if (parsed.accountName !== account.name) {
    throw denied(
      `The account '${parsed.accountName}' is not served here (this server serves '${account.name}').`,
    );
  }
  checkDate(request, nowMs);
  const signable: SignableRequest = {
    method: request.method,
    pathAndQuery: request.raw.url ?? '/',
    headers: request.headers,
    accountName: account.name,
  };
  if (verifySharedKey(signable, account.key, parsed.signature)) return;
  const text = stringToSign(signable);
  throw denied(
    `The MAC signature found in the HTTP request '${parsed.signature}' is not the same as any computed signature. Server used following string to sign: '${text}'.`,
  );
}

/** Who is calling the Batch API: the account (Shared Key) or a task holding its job's token. */
export type Caller = { kind: 'account' } | { kind: 'job'; claims: JobTokenClaims };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Stage 3 of the Batch API: Shared Key, or a job-scoped bearer token (`job-token.ts`). A token only says who
 * calls; what it may reach is decided by `authorizeJobToken` (`job-token-auth.ts`).
 */
export function authenticateCaller(request: FastifyRequest, account: Account, nowMs: number): Caller {
  const authorization = header(request, 'authorization') ?? '';
  if (!/^Bearer(\s|$)/i.test(authorization)) {
    authenticate(request, account, nowMs);
    return { kind: 'account' };
  }
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) throw denied('The Bearer authorization header carries no token.');
  const reading = readJobToken(account, token, nowMs);
  if (!reading.ok) throw denied(reading.reason);
  return { kind: 'job', claims: reading.claims };
}
