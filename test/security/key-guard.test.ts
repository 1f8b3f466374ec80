/**
 * Issue 12, point 5: the key guard checks the key, not its spelling. Off loopback the server refuses a key an
 * attacker could guess; on loopback (development) it starts with any of them. `batchite serve` prints the key
 * only when it is the public development key. Real servers; the CLI as a real child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KeyGuardError, startServer, WELL_KNOWN_ACCOUNT } from '@batchite/server';
import { makeDataDir, removeDataDir } from '../support/server.js';

const WELL_KNOWN = WELL_KNOWN_ACCOUNT.key;
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/src/bin.js', import.meta.url));

/** Every spelling the guard must see through, with the refusal code it gives off loopback. */
const GUESSABLE: readonly (readonly [string, string, string])[] = [
  ['a key of 16 bytes', randomBytes(16).toString('base64'), 'KeyTooShort'],
  ['a key of 31 bytes', randomBytes(31).toString('base64'), 'KeyTooShort'],
  ['an empty key (unset shell variable)', '', 'EmptyKey'],
  ['blanks only', '   ', 'EmptyKey'],
  ['not base64', 'this is my secret password, it is quite long!!', 'KeyNotBase64'],
  ['hex, not base64-padded', randomBytes(40).toString('hex') + '!', 'KeyNotBase64'],
  ['the well-known key', WELL_KNOWN, 'WellKnownKey'],
  ['the well-known key without ==', WELL_KNOWN.replace(/=+$/, ''), 'WellKnownKey'],
  ['the well-known key with spaces', ` ${WELL_KNOWN.slice(0, 20)} ${WELL_KNOWN.slice(20)} `, 'WellKnownKey'],
  [
    'the well-known key with a line break',
    `${WELL_KNOWN.slice(0, 44)}\n${WELL_KNOWN.slice(44)}`,
    'WellKnownKey',
  ],
  [
    'the well-known key, URL-safe alphabet',
    WELL_KNOWN.replaceAll('+', '-').replaceAll('/', '_'),
    'WellKnownKey',
  ],
  [
    'the well-known key, URL-safe, unpadded',
    WELL_KNOWN.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''),
    'WellKnownKey',
  ],
];

describe('key guard at the server-options level', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await makeDataDir();
  });
  after(async () => {
    await removeDataDir(dataDir);
  });

  for (const [what, key, code] of GUESSABLE) {
    it(`refuses ${what} on 0.0.0.0 (${code})`, async () => {
      await assert.rejects(
        startServer({ host: '0.0.0.0', port: 0, logLevel: false, dataDir, accountKey: key }),
        (error: unknown) => error instanceof KeyGuardError && error.code === code,
      );
    });
  }

  it('refuses them on any non-loopback interface name too (::, a LAN address)', async () => {
    for (const host of ['::', '192.0.2.10']) {
      await assert.rejects(
        startServer({ host, port: 0, logLevel: false, dataDir, accountKey: WELL_KNOWN.replace(/=+$/, '') }),
        KeyGuardError,
      );
    }
  });

  it('accepts every one of them on loopback (development)', async () => {
    for (const [what, key] of GUESSABLE) {
      const server = await startServer({
        host: '127.0.0.1',
        port: 0,
        logLevel: false,
        dataDir,
        accountKey: key,
      });
      try {
        assert.equal(server.accountKey, key, what);
      } finally {
        await server.close();
      }
    }
  });

  it('accepts a random 32- and 64-byte key on 0.0.0.0', async () => {
    for (const bytes of [32, 64]) {
      const server = await startServer({
        host: '0.0.0.0',
        port: 0,
        logLevel: false,
        dataDir,
        accountKey: randomBytes(bytes).toString('base64'),
      });
      await server.close();
    }
  });
});

interface ServeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `batchite serve --no-local-nodes --port 0` with `env`; once the banner is out (or the process ends),
 * stops it with SIGTERM and returns what it printed.
 */
function serve(args: string[], env: Record<string, string>, dataDir: string): Promise<ServeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--no-local-nodes', '--port', '0', '--log-level', 'silent', '--data', dataDir, ...args],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/ data: /.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('batchite serve: key guard and banner', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await makeDataDir();
  });
  after(async () => {
    await removeDataDir(dataDir);
  });

  it('--host 0.0.0.0 with an empty BATCHITE_ACCOUNT_KEY: refuses to start, says why', async () => {
    const run = await serve(['--host', '0.0.0.0'], { BATCHITE_ACCOUNT_KEY: '' }, dataDir);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /empty account key/);
    assert.doesNotMatch(run.stdout, /listening/);
  });

  it('--host 0.0.0.0 with the well-known key spelled without padding: refuses to start', async () => {
    const run = await serve(
      ['--host', '0.0.0.0'],
      { BATCHITE_ACCOUNT_KEY: WELL_KNOWN.replace(/=+$/, '') },
      dataDir,
    );
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /well-known development key/);
  });

  it('a real key is never printed; the banner has the dashboard address with its token', async () => {
    const key = randomBytes(64).toString('base64');
    const run = await serve(['--host', '0.0.0.0'], { BATCHITE_ACCOUNT_KEY: key }, dataDir);
    assert.match(run.stdout, /Batchite is listening/);
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'the key is not printed');
    assert.match(run.stdout, /account key: {2}\(from BATCHITE_ACCOUNT_KEY, not shown\)/);
    assert.match(run.stdout, /dashboard: {4}http:\/\/127\.0\.0\.1:\d+\/ui#token=[\w-]{43}\n/);
  });

  it('the well-known development key is printed (it is public), on loopback', async () => {
    const run = await serve([], { BATCHITE_ACCOUNT_KEY: WELL_KNOWN }, dataDir);
    assert.match(run.stdout, new RegExp(`account key: {2}${WELL_KNOWN.replace(/[+/]/g, '\\$&')}`));
  });

  it('BATCHITE_DASHBOARD_TOKEN fixes the token (a stable credential for Prometheus)', async () => {
    const token = randomBytes(24).toString('base64url');
    const run = await serve([], { BATCHITE_DASHBOARD_TOKEN: token }, dataDir);
    assert.ok(run.stdout.includes(`/ui#token=${token}`), run.stdout);
  });
});
