/**
 * Who may use the dashboard API (`/ui/api/*`). Like Azurite's local tools, it is open to loopback clients;
 * anyone else sends `Authorization: Bearer <account key>`.
 *
 * "Loopback" means both: the TCP peer is a loopback address AND the Host header names a loopback host. The Host
 * check stops DNS rebinding (a web page whose own name resolves to 127.0.0.1 would otherwise read the API as a
 * loopback client). State-changing calls also need the `x-batchite-ui` header, which a cross-site form cannot send
 * and a cross-site script can only send after a CORS preflight this server never answers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface AccessRequest {
  /** The TCP peer (`request.socket.remoteAddress`); never a forwarded-for header. */
  remoteAddress: string | undefined;
  /** The Host header as sent. */
  host: string | undefined;
  authorization: string | undefined;
}

export type AccessDecision = 'loopback' | 'bearer' | 'denied';

/** The header every state-changing dashboard call carries (CSRF guard). */
export const UI_ACTION_HEADER = 'x-batchite-ui';

export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/** The host part of a Host header (`[::1]:10100` → `::1`, `localhost:80` → `localhost`). */
export function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host);
  return name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name);
}

/** Compares digests, so neither the content nor the length of the key leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function decideAccess(request: AccessRequest, accountKey: string): AccessDecision {
  const authorization = request.authorization?.trim();
  if (authorization !== undefined && /^bearer\s+/i.test(authorization)) {
    // A wrong key is refused even from loopback: the caller asked to be checked.
    return sameSecret(authorization.replace(/^bearer\s+/i, ''), accountKey) ? 'bearer' : 'denied';
  }
  return isLoopbackAddress(request.remoteAddress) && isLoopbackHost(request.host) ? 'loopback' : 'denied';
}
