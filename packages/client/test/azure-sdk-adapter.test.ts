/**
 * The adapter plugs the Batchite retry engine into the official `@azure/batch` 10.2.0 SDK: its three retry policies are
 * gone, 429 + Retry-After is honoured, network errors get more than one retry, every attempt is re-signed, 4xx are not
 * retried, and callers still get the SDK's own errors.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { BatchServiceClient, BatchSharedKeyCredentials } from '@azure/batch';
import { RestError } from '@azure/ms-rest-js';
import { FakeClock, type RetryOptions } from '@batchite/retry';
import { batchiteRequestPolicyFactories, REPLACED_POLICIES } from '../src/index.js';
import { policyName, type RequestPolicyFactoryLike } from '../src/azure-sdk-adapter.js';
import {
  ACCOUNT,
  KEY,
  dropConnection,
  sendError,
  sendJson,
  startScriptedServer,
  type Handler,
  type ScriptedServer,
} from './helpers/scripted-server.js';

const FAST: RetryOptions = { baseDelayMs: 1, throttleBaseDelayMs: 1, maxDelayMs: 2, jitter: 'none' };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function scripted(...script: Handler[]): Handler {
  let n = 0;
  return (req, res) => (script[Math.min(n++, script.length - 1)] as Handler)(req, res);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const jobOk: Handler = (_req, res) => sendJson(res, 200, { id: 'j1', state: 'active' }, { etag: '0x1' });

async function setup(
  handler: Handler,
  retry: RetryOptions = FAST,
): Promise<{ sdk: BatchServiceClient; s: ScriptedServer; signed: () => number }> {
  server = await startScriptedServer(handler);
  const credentials = new BatchSharedKeyCredentials(ACCOUNT, KEY);
  let signatures = 0;
  const sign = credentials.signRequest.bind(credentials);
  credentials.signRequest = (request) => {
    signatures += 1;
    return sign(request);
  };
  const sdk = new BatchServiceClient(credentials, server.url, {
    requestPolicyFactories: batchiteRequestPolicyFactories({ retry }),
  });
  return { sdk, s: server, signed: () => signatures };
}

function factories(sdk: BatchServiceClient): RequestPolicyFactoryLike[] {
  return (sdk as unknown as { _requestPolicyFactories: RequestPolicyFactoryLike[] })._requestPolicyFactories;
}

describe('@azure/batch 10.x adapter', () => {
  it('replaces the three retry policies with one policy outside the signing policy', async () => {
    const { sdk } = await setup(jobOk);
    const names = factories(sdk).map(policyName);
    for (const replaced of REPLACED_POLICIES) assert.ok(!names.includes(replaced), `${replaced} removed`);
    const ours = names.indexOf('BatchiteRetryRequestPolicy');
    assert.ok(ours >= 0);
    assert.equal(names[ours + 1], 'SigningPolicy');
  });

  it('honours 429 + Retry-After (fake clock) and re-signs every attempt', { timeout: 10_000 }, async () => {
    const clock = new FakeClock(Date.now());
    const { sdk, s, signed } = await setup(
      scripted((_q, r) => sendError(r, 429, 'TooManyRequests', { headers: { 'retry-after': '3' } }), jobOk),
      { ...FAST, clock, deadlineMs: Number.POSITIVE_INFINITY },
    );
    const pending = sdk.job.get('j1');
    await clock.sleeping(1);
    const wait = clock.sleepLog.at(-1) ?? 0;
    assert.ok(wait >= 3000, `waited ${wait} ms`);
    await clock.advance(wait);
    const job = await pending;
    assert.equal(job.id, 'j1');
    assert.equal(s.requests.length, 2);
    assert.ok(s.requests.every((r) => r.signatureOk));
    // The SDK signs once, outside its retry policies; here the signing policy runs again for the retry, so a retry
    // minutes later carries a fresh ocp-date (the SDK reads the real clock, so equal seconds are possible here).
    assert.equal(signed(), 2);
    assert.equal(
      s.requests[0]?.headers['x-ms-client-request-id'],
      s.requests[1]?.headers['x-ms-client-request-id'],
    );
  });

  it('retries connection resets more than once (the SDK alone retries once)', async () => {
    const { sdk, s } = await setup(
      scripted(
        (_q, r) => dropConnection(r),
        (_q, r) => dropConnection(r),
        jobOk,
      ),
    );
    const job = await sdk.job.get('j1');
    assert.equal(job.id, 'j1');
    assert.equal(s.requests.length, 3);
  });

  it('rides refused connections until the server listens, beyond maxAttempts', async () => {
    const port = await freePort();
    const late = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', etag: '0x1' });
      res.end(JSON.stringify({ id: 'j1', state: 'active' }));
    });
    let refusals = 0;
    const retry: RetryOptions = {
      ...FAST,
      maxAttempts: 2,
      onRetry: (event) => {
        if (event.decision.kind !== 'retry' || event.decision.neverArrived !== true) return;
        refusals += 1;
        if (refusals === 5) late.listen(port, '127.0.0.1');
      },
    };
    const sdk = new BatchServiceClient(
      new BatchSharedKeyCredentials(ACCOUNT, KEY),
      `http://127.0.0.1:${port}`,
      { requestPolicyFactories: batchiteRequestPolicyFactories({ retry }) },
    );
    try {
      const job = await sdk.job.get('j1');
      assert.equal(job.id, 'j1');
      assert.ok(refusals >= 5, `${refusals} refused attempts ridden with maxAttempts 2`);
    } finally {
      await new Promise((resolve) => late.close(resolve));
    }
  });

  it('does not retry 4xx and rejects with the SDK RestError, give-up facts attached', async () => {
    const { sdk, s } = await setup((_q, r) => sendError(r, 404, 'JobNotFound'));
    await assert.rejects(sdk.job.get('nope'), (error: unknown) => {
      assert.ok(error instanceof RestError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.code, 'JobNotFound');
      assert.equal(
        (error as unknown as { batchiteRetry: { reason: string } }).batchiteRetry.reason,
        'non-retryable',
      );
      return true;
    });
    assert.equal(s.requests.length, 1);
  });

  it('gives up on a persistent 500 after maxAttempts with the RestError', async () => {
    const { sdk, s } = await setup((_q, r) => sendError(r, 500, 'InternalError'), {
      ...FAST,
      maxAttempts: 3,
    });
    await assert.rejects(
      sdk.job.get('j1'),
      (error: unknown) => error instanceof RestError && error.statusCode === 500,
    );
    assert.equal(s.requests.length, 3);
  });

  it('retries a create through the pipeline (task.add after a 503)', async () => {
    const { sdk, s } = await setup(
      scripted(
        (_q, r) => sendError(r, 503, 'ServerBusy'),
        (_q, r) => sendJson(r, 201),
      ),
    );
    await sdk.task.add('j1', { id: 't1', commandLine: 'echo' });
    assert.equal(s.requests.length, 2);
    assert.deepEqual(s.requests[1]?.json, { id: 't1', commandLine: 'echo' });
  });
});
