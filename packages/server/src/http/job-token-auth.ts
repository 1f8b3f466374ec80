/**
 * Who may call what with a job-scoped bearer token (`Authorization: Bearer <AZ_BATCH_AUTHENTICATION_TOKEN>`),
 * the one place that decides it for the Batch API:
 *
 * - only paths of the token's job: `/jobs/{jobId}` and everything below it (its tasks, their files, task
 *   counts…); any other path — other jobs, the job list, pools, nodes, account operations — is 403
 *   `AuthorizationFailure`;
 * - only while the job it was issued for exists and has not completed: a deleted, deleting or completed job
 *   (or a later job with the same id) turns the token down with 403 `AuthenticationFailed`.
 *
 * Non-Batch surfaces (`/.batchite/…`, dashboard, metrics) never accept these tokens: they check Shared Key or
 * their own credentials.
 */
import type { FastifyRequest } from 'fastify';
import { idKey } from '@batchite/protocol';
import type { Store } from '../store/store.js';
import { apiError } from './api-error.js';
import type { JobTokenClaims } from './job-token.js';

/** The job id a raw request path addresses (`/jobs/{id}` or below), or undefined. */
export function jobOfPath(rawUrl: string): string | undefined {
  const segments = (rawUrl.split('?')[0] ?? '').split('/');
  if (segments[0] !== '' || segments[1] !== 'jobs' || segments[2] === undefined || segments[2] === '') {
    return undefined;
  }
  try {
    return decodeURIComponent(segments[2]);
  } catch {
    return undefined;
  }
}

function notAuthorized(detail: string) {
  return apiError('AuthorizationFailure', { values: [{ key: 'AuthenticationErrorDetail', value: detail }] });
}

function tokenRefused(detail: string) {
  return apiError('AuthenticationFailed', {
    message: 'Server failed to authenticate the request. The authentication token is no longer valid.',
    values: [{ key: 'AuthenticationErrorDetail', value: detail }],
  });
}

const ENDED_STATES = new Set(['completed', 'deleting']);

/** Throws unless the token's job is the one the request addresses, and that job still accepts its tokens. */
export async function authorizeJobToken(
  request: FastifyRequest,
  claims: JobTokenClaims,
  store: Store,
): Promise<void> {
  const target = jobOfPath(request.raw.url ?? '/');
  if (target === undefined || idKey(target) !== idKey(claims.jobId)) {
    throw notAuthorized(`The token grants access to job '${claims.jobId}' only.`);
  }
  const job = await store.getJob(claims.jobId);
  if (job === undefined || (job.internal.tokenNonce ?? '') !== claims.nonce) {
    throw tokenRefused(`Job '${claims.jobId}' the token was issued for no longer exists.`);
  }
  if (ENDED_STATES.has(job.entity.state ?? 'active')) {
    throw tokenRefused(`Job '${claims.jobId}' is ${job.entity.state ?? ''}; its tokens are no longer valid.`);
  }
}
