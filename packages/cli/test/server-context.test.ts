/**
 * How the CLI finds its server without flags: the context file `serve` writes (mode 0600, no real key), and the
 * precedence --endpoint / BATCHITE_ENDPOINT > BATCHITE_PORT > context file > default.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ENDPOINT, resolveTarget } from '../src/connection.js';
import { findServerContext, removeServerContext, writeServerContext } from '../src/server-context.js';

const checkout = mkdtempSync(join(tmpdir(), 'batchite-context-'));
const dataDir = join(checkout, '.batchite');
const nested = join(checkout, 'examples', 'deeper');
mkdirSync(dataDir);
mkdirSync(nested, { recursive: true });
after(() => rmSync(checkout, { recursive: true, force: true }));

const flags = { color: false };
const noEnv: NodeJS.ProcessEnv = {};

describe('server context file', () => {
  it('is private to its owner and found from the checkout and its sub-directories', () => {
    const path = writeServerContext(dataDir, {
      endpoint: 'http://127.0.0.1:4567',
      accountName: 'dev',
      pid: process.pid,
    });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(findServerContext(checkout, noEnv)?.endpoint, 'http://127.0.0.1:4567');
    assert.equal(findServerContext(nested, noEnv)?.path, path);
    assert.deepEqual(resolveTarget(flags, noEnv, nested), {
      endpoint: 'http://127.0.0.1:4567',
      accountName: 'dev',
    });
  });

  it('loses to BATCHITE_PORT, which loses to --endpoint (or BATCHITE_ENDPOINT)', () => {
    writeServerContext(dataDir, { endpoint: 'http://127.0.0.1:4567', accountName: 'dev', pid: process.pid });
    const withPort = { BATCHITE_PORT: '9999' };
    assert.deepEqual(resolveTarget(flags, withPort, checkout), { endpoint: 'http://127.0.0.1:9999' });
    const explicit = { ...flags, endpoint: 'http://10.0.0.1:1', accountKey: 'k' };
    assert.deepEqual(resolveTarget(explicit, withPort, checkout), {
      endpoint: 'http://10.0.0.1:1',
      accountKey: 'k',
    });
  });

  it('an explicit account wins over the context file; its key is used only when written', () => {
    writeServerContext(dataDir, {
      endpoint: 'http://127.0.0.1:4567',
      accountName: 'dev',
      accountKey: 'a2V5',
      pid: process.pid,
    });
    const target = resolveTarget({ ...flags, accountName: 'mine' }, noEnv, checkout);
    assert.deepEqual(target, { endpoint: 'http://127.0.0.1:4567', accountName: 'mine', accountKey: 'a2V5' });
  });

  it('BATCHITE_DATA_DIR names the file to read', () => {
    const elsewhere = join(checkout, 'other-data');
    mkdirSync(elsewhere);
    writeServerContext(elsewhere, { endpoint: 'http://127.0.0.1:7777', accountName: 'x', pid: process.pid });
    assert.equal(
      resolveTarget(flags, { BATCHITE_DATA_DIR: elsewhere }, nested).endpoint,
      'http://127.0.0.1:7777',
    );
  });

  it("a file left by a server that is gone is ignored, and a stop removes only the stopping server's file", () => {
    // A pid far above any pid_max: no such process.
    const path = writeServerContext(dataDir, {
      endpoint: 'http://127.0.0.1:4567',
      accountName: 'dev',
      pid: 2 ** 30,
    });
    assert.equal(findServerContext(checkout, noEnv), undefined);
    assert.equal(resolveTarget(flags, noEnv, checkout).endpoint, DEFAULT_ENDPOINT);
    writeServerContext(dataDir, { endpoint: 'http://127.0.0.1:4567', accountName: 'dev', pid: process.pid });
    removeServerContext(path, 12345678);
    assert.ok(findServerContext(checkout, noEnv) !== undefined);
    removeServerContext(path, process.pid);
    assert.equal(findServerContext(checkout, noEnv), undefined);
  });
});
