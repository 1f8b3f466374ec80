/**
 * `GET /.batchite/health`: "up" for anyone (load balancers, `curl`), details only for an operator credential.
 * Even then the store URL is shown without its password or secret-looking query parameters.
 */
import type { FastifyInstance } from 'fastify';
import { operatorAccess, type OperatorCredentials } from './operator-auth.js';

export interface HealthDetails {
  version: string;
  /** The store URL, secrets replaced by `***`. */
  store: string;
}

const SECRET_PARAM = /pass|pwd|secret|key|token|sig|credential/i;

/** `postgres://u:pw@h/db?password=x` → `postgres://u:***@h/db?password=***`; `sqlite:PATH` is left as it is. */
export function redactStoreUrl(description: string): string {
  if (!URL.canParse(description) || !description.includes('://')) return description;
  const url = new URL(description);
  if (url.password !== '') url.password = '***';
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) url.searchParams.set(name, '***');
  }
  return url.toString();
}

export function registerHealthRoute(
  app: FastifyInstance,
  credentials: OperatorCredentials,
  details: () => HealthDetails,
): void {
  app.get('/.batchite/health', (request) => {
    // A wrong credential is refused (operatorAccess throws); none at all gets the bare answer.
    if (operatorAccess(request, credentials) === undefined) return { status: 'up' };
    const { version, store } = details();
    return { status: 'up', version, store: redactStoreUrl(store) };
  });
}
