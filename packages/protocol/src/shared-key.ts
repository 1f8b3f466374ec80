/**
 * Azure Batch Shared Key: the string-to-sign and the HMAC-SHA256 signature.
 *
 * The string-to-sign follows what the official SDKs actually send (Azure Batch REST reference), not the doc's typos:
 * VERB, the 11 standard header values, the `ocp-*` headers sorted, then `/account` + the path *as encoded on the
 * wire* and one `\nname:value` line per query parameter (name lower-cased, value decoded, sorted by name).
 * Clients disagree in a few details (query-name case, Content-Length 0 vs empty, node-fetch escaping `'` after the
 * JS SDK signed), so a server verifies with `verifySharedKey`, which accepts each known variant.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header lines of the string-to-sign, in order. */
export const SIGNED_STANDARD_HEADERS = [
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;

/** A request as it appears on the wire. Header names may be in any case. */
export interface SignableRequest {
  method: string;
  /** The raw request target as sent: path plus optional `?query`, percent-encoding untouched. */
  pathAndQuery: string;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  accountName: string;
}

function headerValue(headers: SignableRequest['headers'], name: string): string {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : (value as string);
  }
  return '';
}

function decodeQueryComponent(text: string): string {
  // `+` means space in form encoding, which is how every SDK's signer decodes the query.
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * How query parameters are canonicalized.
 * - `canonical` (default; the doc and .NET): names lower-cased, repeated names' values sorted and comma-joined.
 * - `js-sdk` (`@azure/batch` 10.x via url-parse/querystringify, also Python): names kept as sent, the first
 *   occurrence of a repeated name wins. Both sort names with the default string order.
 */
export type QueryCanonicalization = 'canonical' | 'js-sdk';

function parseQuery(query: string, style: QueryCanonicalization): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = decodeQueryComponent(eq === -1 ? part : part.slice(0, eq));
    const name = style === 'canonical' ? rawName.toLowerCase() : rawName;
    const value = eq === -1 ? '' : decodeQueryComponent(part.slice(eq + 1));
    const values = params.get(name) ?? [];
    if (style === 'js-sdk' && values.length > 0) continue;
    values.push(value);
    params.set(name, values);
  }
  return params;
}

/** Canonicalized resource: `/account/path` then `\nname:value` per query parameter. */
export function canonicalizedResource(
  accountName: string,
  pathAndQuery: string,
  style: QueryCanonicalization = 'canonical',
): string {
  const queryStart = pathAndQuery.indexOf('?');
  const path = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  const params = parseQuery(queryStart === -1 ? '' : pathAndQuery.slice(queryStart + 1), style);
  let resource = `/${accountName}${path === '' ? '/' : path}`;
  for (const name of [...params.keys()].sort()) {
    resource += `\n${name}:${(params.get(name) ?? []).sort().join(',')}`;
  }
  return resource;
}

/** Canonicalized headers: every `ocp-*` header, lower-cased name, sorted, `name:value\n`. */
export function canonicalizedHeaders(headers: SignableRequest['headers']): string {
  const names = new Set<string>();
  for (const key of Object.keys(headers)) {
    const lower = key.toLowerCase();
    if (lower.startsWith('ocp-') && headers[key] !== undefined) names.add(lower);
  }
  return [...names]
    .sort()
    .map((name) => `${name}:${headerValue(headers, name)}\n`)
    .join('');
}

/** The exact string the HMAC is computed over. */
export function stringToSign(request: SignableRequest, style: QueryCanonicalization = 'canonical'): string {
  const lines = [request.method.toUpperCase()];
  for (const name of SIGNED_STANDARD_HEADERS) lines.push(headerValue(request.headers, name));
  return (
    lines.join('\n') +
    '\n' +
    canonicalizedHeaders(request.headers) +
    canonicalizedResource(request.accountName, request.pathAndQuery, style)
  );
}

/** Undoes the one escape node-fetch adds after `@azure/batch` signed: `'` (kept by encodeURIComponent) → `%27`. */
function unescapeApostrophes(pathAndQuery: string): string {
  const queryStart = pathAndQuery.indexOf('?');
  const path = queryStart === -1 ? pathAndQuery : pathAndQuery.slice(0, queryStart);
  return path.replace(/%27/gi, "'") + (queryStart === -1 ? '' : pathAndQuery.slice(queryStart));
}

/**
 * Every string-to-sign a legitimate client may have signed for this request as received; the first is
 * `stringToSign(request)`. Variants cover what the Shared Key documentation ("Authorize with Shared Key", Azure Storage REST docs, which Batch follows) and our SDK tests found:
 * - Content-Length `0` signed as empty (JS SDK on body-less non-POST requests, which node-fetch sends with `0`);
 * - a body-less request other than GET sent without Content-Length but signed with `0` (`@azure/batch` 7.x, the
 *   SDK of api-version 2018-12-01.8.0, on DELETE: its signer assumes `0` for every verb but GET);
 * - query names kept in their case, first value wins (JS SDK, Python) instead of lower-cased (doc, .NET);
 * - `'` in the path signed raw by the JS SDK but sent as `%27` by node-fetch (file names with apostrophes).
 */
export function stringsToSign(request: SignableRequest): string[] {
  const requests = [request];
  if (headerValue(request.headers, 'content-length') === '0') {
    requests.push({ ...request, headers: withoutContentLength(request.headers) });
  } else if (
    headerValue(request.headers, 'content-length') === '' &&
    request.method.toUpperCase() !== 'GET'
  ) {
    requests.push({ ...request, headers: { ...request.headers, 'content-length': '0' } });
  }
  const unescaped = unescapeApostrophes(request.pathAndQuery);
  if (unescaped !== request.pathAndQuery) {
    for (const variant of [...requests]) requests.push({ ...variant, pathAndQuery: unescaped });
  }
  const texts = new Set<string>();
  for (const variant of requests) {
    texts.add(stringToSign(variant, 'canonical'));
    texts.add(stringToSign(variant, 'js-sdk'));
  }
  return [...texts];
}

function withoutContentLength(headers: SignableRequest['headers']): SignableRequest['headers'] {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  );
}

/** True when `signature` matches any string-to-sign of `stringsToSign` (constant-time per comparison). */
export function verifySharedKey(
  request: SignableRequest,
  accountKeyBase64: string,
  signature: string,
): boolean {
  let matched = false;
  for (const text of stringsToSign(request)) {
    // No early exit, so the time taken does not reveal which variant matched.
    if (signaturesEqual(computeSignature(text, accountKeyBase64), signature)) matched = true;
  }
  return matched;
}

/** Base64 HMAC-SHA256 of `text` with the Base64-encoded account key. */
export function computeSignature(text: string, accountKeyBase64: string): string {
  return createHmac('sha256', Buffer.from(accountKeyBase64, 'base64')).update(text, 'utf8').digest('base64');
}

/** The `Authorization` header value for a request. */
export function authorizationHeader(request: SignableRequest, accountKeyBase64: string): string {
  return `SharedKey ${request.accountName}:${computeSignature(stringToSign(request), accountKeyBase64)}`;
}

export interface ParsedAuthorization {
  accountName: string;
  signature: string;
}

/** Parses `SharedKey account:signature`; undefined when the header is not in that shape. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match = /^SharedKey ([^:\s]+):([A-Za-z0-9+/=]+)$/.exec(header.trim());
  if (!match) return undefined;
  return { accountName: match[1] as string, signature: match[2] as string };
}

/** Constant-time comparison of two Base64 signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64');
  const right = Buffer.from(b, 'base64');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
