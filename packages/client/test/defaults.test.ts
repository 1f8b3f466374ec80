/**
 * Where a client connects when options are missing (one resolution, `resolveConnection`), and `kindOf` on thrown
 * values: a `BatchError`, the official SDK's `RestError` shape, fetch network failures, the retry engine's errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WELL_KNOWN_ACCOUNT } from '@batchite/protocol';
import { RetryError } from '@batchite/retry';
import { BatchClient, BatchError, DEFAULT_CONNECTION, kindOf, resolveConnection } from '../src/index.js';

describe('resolveConnection', () => {
  it('with nothing set: the local development server and the well-known account (frozen defaults)', () => {
    assert.deepEqual(
      { ...resolveConnection({}, {}) },
      {
        endpoint: 'http://127.0.0.1:10100',
        accountName: WELL_KNOWN_ACCOUNT.name,
        accountKey: WELL_KNOWN_ACCOUNT.key,
      },
    );
    assert.ok(Object.isFrozen(DEFAULT_CONNECTION));
    assert.ok(Object.isFrozen(resolveConnection({}, {})));
  });

  it('reads BATCHITE_* each on its own; explicit options win; an empty variable counts as unset', () => {
    const env = {
      BATCHITE_ENDPOINT: 'https://batch.example:8443/acct/',
      BATCHITE_ACCOUNT_NAME: 'team',
      BATCHITE_ACCOUNT_KEY: '',
    };
    assert.deepEqual(
      { ...resolveConnection({}, env) },
      {
        endpoint: 'https://batch.example:8443/acct',
        accountName: 'team',
        accountKey: WELL_KNOWN_ACCOUNT.key,
      },
    );
    const explicit = resolveConnection({ endpoint: 'http://h:1', accountName: 'a', accountKey: 'aw==' }, env);
    assert.deepEqual({ ...explicit }, { endpoint: 'http://h:1', accountName: 'a', accountKey: 'aw==' });
    assert.equal(resolveConnection({}, { BATCHITE_ACCOUNT_KEY: 'aw==' }).accountKey, 'aw==');
  });

  it('refuses what cannot work, with a TypeError that names the setting', () => {
    assert.throws(() => resolveConnection({ endpoint: 'not a url' }, {}), /endpoint is not a URL/);
    assert.throws(() => resolveConnection({ endpoint: 'ftp://h/' }, {}), /http\(s\) URL/);
    assert.throws(() => resolveConnection({ accountName: '' }, {}), /accountName/);
    assert.throws(() => resolveConnection({ accountKey: '' }, {}), /accountKey/);
  });

  it('new BatchClient() resolves through it (process.env, none of BATCHITE_* set here)', () => {
    const saved = { ...process.env };
    try {
      for (const name of ['BATCHITE_ENDPOINT', 'BATCHITE_ACCOUNT_NAME', 'BATCHITE_ACCOUNT_KEY'])
        delete process.env[name];
      const client = new BatchClient();
      assert.equal(client.options.endpoint, DEFAULT_CONNECTION.endpoint);
      assert.equal(client.options.accountName, 'batchite');
      assert.equal(client.options.accountKey, WELL_KNOWN_ACCOUNT.key);
      process.env.BATCHITE_ENDPOINT = 'http://127.0.0.1:1234';
      assert.equal(new BatchClient().options.endpoint, 'http://127.0.0.1:1234');
      assert.equal(new BatchClient({ endpoint: 'http://h:9' }).options.endpoint, 'http://h:9');
    } finally {
      process.env = saved;
    }
  });
});

describe('kindOf(error)', () => {
  it('a BatchError: its own kind', () => {
    const error = new BatchError({ message: 'x', kind: 'throttled', code: 'ServerBusy', statusCode: 503 });
    assert.equal(kindOf(error), 'throttled');
  });

  it("the official SDK's RestError shape: code and statusCode (catalog first, then the status)", () => {
    const restError = (code: string | undefined, statusCode?: number) =>
      Object.assign(new Error('boom'), { name: 'RestError', code, statusCode });
    assert.equal(kindOf(restError('TaskExists', 409)), 'alreadyExists');
    assert.equal(kindOf(restError('JobNotFound', 404)), 'notFound');
    assert.equal(kindOf(restError('TaskCompleted', 409)), 'invalidOperation');
    assert.equal(kindOf(restError(undefined, 500)), 'server');
    assert.equal(kindOf(restError('REQUEST_SEND_ERROR')), 'network');
    const busy = Object.assign(new Error('busy'), { statusCode: 503, headers: { 'retry-after': '2' } });
    assert.equal(kindOf(busy), 'throttled');
  });

  it("fetch's network failures and the engine's errors; undefined (never a guess) for anything else", () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    assert.equal(kindOf(refused), 'network');
    assert.equal(kindOf(Object.assign(new Error('dns'), { code: 'ENOTFOUND' })), 'network');
    assert.equal(kindOf(Object.assign(new Error('socket'), { code: 'UND_ERR_SOCKET' })), 'network');
    const gaveUp = new RetryError({
      reason: 'attempts-exhausted',
      attempts: 4,
      cause: Object.assign(new Error('x'), { statusCode: 429 }),
      history: [],
      elapsedMs: 10,
    });
    assert.equal(kindOf(gaveUp), 'throttled');
    assert.equal(kindOf(new Error('a bug')), undefined);
    assert.equal(kindOf(Object.assign(new Error('fs'), { code: 'ERR_INVALID_ARG_TYPE' })), undefined);
    assert.equal(kindOf(undefined), undefined);
    assert.equal(kindOf('TaskExists'), undefined, 'a bare string is not an error: use kindOf(code, status)');
  });

  it('the two-argument form is unchanged', () => {
    assert.equal(kindOf('TaskExists', 409), 'alreadyExists');
    assert.equal(kindOf(undefined, 400), 'badRequest');
    assert.equal(kindOf(undefined, 503, 1000), 'throttled');
  });
});
