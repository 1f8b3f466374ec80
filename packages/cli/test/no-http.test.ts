/**
 * The CLI has no HTTP code of its own: every call goes through `BatchClient` (one transport, one retry engine).
 * Reads the CLI's sources and fails on anything that sends, signs or retries requests by itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

/** What only an HTTP transport of its own would contain. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bfetch\s*\(/, 'a fetch call'],
  // Type-only imports (a `Socket` type for child stdio) carry no code.
  [/^import (?!type )[^;]*['"](node:(http|https|net|tls)|undici)['"]/m, 'an HTTP/socket module'],
  [/\bauthorizationHeader\b|\bstringToSign\b|\bcomputeSignature\b/, 'Shared Key signing'],
  [/['"]@batchite\/retry['"]/, 'the retry engine used directly'],
];

describe('the CLI has no HTTP code of its own', () => {
  it('no fetch, HTTP module, signing or retry engine in packages/cli/src', () => {
    const files = sources(srcDir);
    assert.ok(files.length > 10, `read the CLI sources in ${srcDir}`);
    const found = files.flatMap((file) =>
      FORBIDDEN.filter(([pattern]) => pattern.test(readFileSync(file, 'utf8'))).map(
        ([, what]) => `${file}: ${what}`,
      ),
    );
    assert.deepEqual(found, []);
  });
});
