/**
 * The account key guard. On loopback anything goes (development); on any other interface the server refuses
 * to start with a key an attacker could guess: empty (an unset shell variable), not base64, shorter than 32
 * bytes once decoded, or the well-known development key in any spelling (without padding, with spaces or line
 * breaks, in the URL-safe alphabet). The comparison is on decoded bytes, never on the text.
 */
import { timingSafeEqual } from 'node:crypto';
import { WELL_KNOWN_ACCOUNT } from '@batchite/protocol';

/** Fewest key bytes accepted off loopback (Azure Batch keys are 64 bytes). */
export const MIN_KEY_BYTES = 32;

/** Standard base64 with its padding, the only spelling Shared Key signing reads unambiguously. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class KeyGuardError extends Error {
  constructor(
    readonly code: 'EmptyKey' | 'WellKnownKey' | 'KeyNotBase64' | 'KeyTooShort',
    message: string,
  ) {
    super(message);
    this.name = 'KeyGuardError';
  }
}

/** The bytes a lenient reader would take from `key`: whitespace dropped, URL-safe alphabet and missing padding accepted. */
function looseBytes(key: string): Buffer {
  return Buffer.from(key.replace(/\s+/g, '').replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

export function isWellKnownKey(key: string): boolean {
  const given = looseBytes(key);
  const known = Buffer.from(WELL_KNOWN_ACCOUNT.key, 'base64');
  return given.length === known.length && timingSafeEqual(given, known);
}

/** Interfaces only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const plain = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const v4 = plain.startsWith('::ffff:') ? plain.slice('::ffff:'.length) : plain;
  return plain === 'localhost' || plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Throws a KeyGuardError when `key` may not be used on `host`. */
export function checkAccountKey(host: string, key: string): void {
  if (isLoopbackHost(host)) return;
  const advice = 'set BATCHITE_ACCOUNT_KEY to a random key, e.g. `openssl rand -base64 64`';
  if (key.trim() === '') {
    throw new KeyGuardError(
      'EmptyKey',
      `Refusing to listen on ${host} with an empty account key: ${advice}.`,
    );
  }
  if (isWellKnownKey(key)) {
    throw new KeyGuardError(
      'WellKnownKey',
      `Refusing to listen on ${host} with the well-known development key: ${advice}.`,
    );
  }
  if (!STRICT_BASE64.test(key)) {
    throw new KeyGuardError(
      'KeyNotBase64',
      `Refusing to listen on ${host}: the account key is not base64 (standard alphabet, padded): ${advice}.`,
    );
  }
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes < MIN_KEY_BYTES) {
    throw new KeyGuardError(
      'KeyTooShort',
      `Refusing to listen on ${host}: the account key decodes to ${bytes} bytes, fewer than ${MIN_KEY_BYTES}: ${advice}.`,
    );
  }
}
