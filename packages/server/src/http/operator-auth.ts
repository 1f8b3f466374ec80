/**
 * The operator credential: what the dashboard API, `/metrics` and the health details ask for. Tasks run on the
 * server's machine and reach it over loopback, so no address is trusted; a request must carry one of
 *
 *   Authorization: Bearer <dashboard token>   the per-start token of `batchite serve` (banner URL `/ui/#token=…`)
 *   Authorization: Bearer <account key>       for scripts and Prometheus
 *   Authorization: SharedKey <account>:<sig>  a Batch-signed request
 *
 * A missing credential is 401 with `WWW-Authenticate: Bearer`; a wrong one is refused the same way (401 for a
 * bearer token, 403 AuthenticationFailed for a bad Shared Key signature). Both are Batch error bodies.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '@batchite/retry';
import { apiError, type ApiError } from './api-error.js';
import { authenticate, type Account } from './authentication.js';
import { header } from './request-context.js';

export interface OperatorCredentials {
  account: Account;
  /** The dashboard token of this server start. */
  dashboardToken: string;
  clock: Clock;
}

export type OperatorAccess = 'dashboardToken' | 'accountKey' | 'sharedKey';

/** A fresh dashboard token: 32 random bytes, URL-safe (it travels in a URL fragment). */
export function newDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares digests, so neither the content nor the length of a secret leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  if (expected === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function credentialRequired(detail: string): ApiError {
  return apiError('AuthenticationFailed', {
    status: 401,
    message:
      'This endpoint needs a credential: the dashboard token, the account key, or a Shared Key signature.',
    headers: { 'www-authenticate': 'Bearer realm="batchite"' },
    values: [{ key: 'AuthenticationErrorDetail', value: detail }],
  });
}

/** The credential the request carries, or undefined when it carries none. A wrong credential throws. */
export function operatorAccess(
  request: FastifyRequest,
  credentials: OperatorCredentials,
): OperatorAccess | undefined {
  const authorization = header(request, 'authorization')?.trim();
  if (authorization === undefined || authorization === '') return undefined;
  const bearer = /^bearer\s+(\S+)$/i.exec(authorization);
  if (bearer !== null) {
    const given = bearer[1] ?? '';
    if (sameSecret(given, credentials.dashboardToken)) return 'dashboardToken';
    if (sameSecret(given, credentials.account.key)) return 'accountKey';
    throw credentialRequired('The bearer token is neither the dashboard token nor the account key.');
  }
  if (/^sharedkey\s/i.test(authorization)) {
    authenticate(request, credentials.account, credentials.clock.now());
    return 'sharedKey';
  }
  throw credentialRequired('Expected Authorization: Bearer <token> or SharedKey <account>:<signature>.');
}

/** An onRequest hook: the request goes on only with a valid operator credential. */
export function requireOperator(credentials: OperatorCredentials) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    try {
      if (operatorAccess(request, credentials) === undefined) {
        throw credentialRequired('The Authorization header was not provided.');
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  };
}
