/**
 * Request-level retry behaviour of BatchClient against scripted servers: 5xx, 429 + Retry-After (fake clock),
 * connection reset, 4xx never retried, abort during a wait, per-attempt signing, client-request-id.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock, type RetryOptions } from '@batchite/retry';
import { BatchClient } from '../src/index.js';
import { rejection } from './helpers/rejection.js';
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

async function setup(
  handler: Handler,
  retry: RetryOptions = FAST,
): Promise<{ client: BatchClient; s: ScriptedServer }> {
  server = await startScriptedServer(handler);
  return {
    client: new BatchClient({ endpoint: server.url, accountName: ACCOUNT, accountKey: KEY, retry }),
    s: server,
  };
}

/** A handler that answers the n-th request with `script[n]` (the last entry repeats). */
function scripted(...script: Handler[]): Handler {
  let n = 0;
  return (req, res) => (script[Math.min(n++, script.length - 1)] as Handler)(req, res);
}

const jobOk: Handler = (_req, res) =>
  sendJson(
    res,
    200,
    { id: 'j1', state: 'active' },
    { etag: '0xABC', 'last-modified': 'Tue, 01 Jan 2030 00:00:00 GMT' },
  );

describe('BatchClient request retries', () => {
  it('retries 500 and 503 then succeeds, signing every attempt and reusing the client-request-id', async () => {
    const { client, s } = await setup(
      scripted(
        (_q, r) => sendError(r, 500, 'InternalError'),
        (_q, r) => sendError(r, 503, 'ServerBusy'),
        jobOk,
      ),
    );
    const job = await client.getJob('j1');
    assert.equal(job.id, 'j1');
    assert.equal(job.eTag, '0xABC');
    assert.equal(job.lastModified, '2030-01-01T00:00:00.000Z');
    assert.equal(s.requests.length, 3);
    assert.ok(s.requests.every((r) => r.signatureOk));
    const ids = new Set(s.requests.map((r) => r.headers['client-request-id']));
    assert.equal(ids.size, 1);
    assert.match([...ids][0] ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(s.requests.every((r) => r.headers['return-client-request-id'] === 'true'));
    assert.ok(s.requests.every((r) => r.query.get('api-version') === '2022-10-01.16.0'));
  });

  it('gives up after maxAttempts with the give-up reason, attempts and history', async () => {
    const { client, s } = await setup((_q, r) => sendError(r, 500, 'InternalError'), {
      ...FAST,
      maxAttempts: 3,
    });
    const error = await rejection(client.getJob('j1'));
    assert.equal(s.requests.length, 3);
    assert.equal(error.kind, 'server');
    assert.equal(error.code, 'InternalError');
    assert.equal(error.statusCode, 500);
    assert.equal(error.attempts, 3);
    assert.equal(error.giveUpReason, 'attempts-exhausted');
    assert.equal(error.history.length, 3);
    assert.match(error.requestId ?? '', /^0{8}-/);
  });

  it(
    'waits at least Retry-After on 429 (fake clock) and re-signs with a fresh ocp-date',
    { timeout: 10_000 },
    async () => {
      const clock = new FakeClock(Date.UTC(2030, 0, 1));
      const { client, s } = await setup(
        scripted((_q, r) => sendError(r, 429, 'TooManyRequests', { headers: { 'retry-after': '2' } }), jobOk),
        { ...FAST, clock, deadlineMs: Number.POSITIVE_INFINITY },
      );
      const pending = client.getJob('j1');
      await clock.sleeping(1);
      assert.equal(s.requests.length, 1);
      const wait = clock.sleepLog.at(-1) ?? 0;
      assert.ok(wait >= 2000 && wait <= 4000, `waited ${wait} ms for Retry-After: 2`);
      await clock.advance(wait);
      const job = await pending;
      assert.equal(job.id, 'j1');
      assert.equal(s.requests.length, 2);
      const [first, second] = s.requests.map((r) => Date.parse(r.headers['ocp-date'] ?? ''));
      assert.ok((second ?? 0) - (first ?? 0) >= 2000, 'the retry carries a later ocp-date');
      assert.notEqual(s.requests[0]?.headers.authorization, s.requests[1]?.headers.authorization);
    },
  );

  it(
    'a 429 with Retry-After holds the other calls of the client at the host gate',
    { timeout: 10_000 },
    async () => {
      const clock = new FakeClock(Date.UTC(2030, 0, 1));
      const { client, s } = await setup(
        scripted((_q, r) => sendError(r, 429, 'TooManyRequests', { headers: { 'retry-after': '5' } }), jobOk),
        { ...FAST, clock, deadlineMs: Number.POSITIVE_INFINITY, retryAfterJitter: 0 },
      );
      const first = client.getJob('j1');
      await clock.sleeping(1);
      const second = client.getJob('j2');
      await clock.sleeping(2);
      assert.equal(s.requests.length, 1, 'the sibling waits instead of collecting its own 429');
      await clock.advance(5000);
      await Promise.all([first, second]);
      assert.equal(s.requests.length, 3);
    },
  );

  it('surfaces a persistent 429 as kind throttled with retryAfterMs', async () => {
    const { client } = await setup(
      (_q, r) => sendError(r, 429, 'TooManyRequests', { headers: { 'retry-after-ms': '1' } }),
      { ...FAST, maxAttempts: 2 },
    );
    const error = await rejection(client.getJob('j1'));
    assert.equal(error.kind, 'throttled');
    assert.equal(error.retryAfterMs, 1);
    assert.equal(error.giveUpReason, 'attempts-exhausted');
  });

  it('a refused connection rides until the deadline: kind network, ECONNREFUSED, giveUpReason deadline', async () => {
    // Port 2: privileged, outside the ephemeral range and not a port fetch blocks. No suite's server (all
    // listen on port 0) can take it while this runs, as one could take a port that was just freed.
    const endpoint = 'http://127.0.0.1:2';
    const client = new BatchClient({
      endpoint,
      accountName: ACCOUNT,
      accountKey: KEY,
      retry: { ...FAST, maxAttempts: 2 },
      timeoutMs: 1000,
    });
    const error = await rejection(client.getJob('j1'));
    assert.equal(error.kind, 'network');
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(error.giveUpReason, 'deadline');
    assert.ok((error.attempts ?? 0) > 2, `${error.attempts} attempts, beyond maxAttempts`);
    assert.equal(error.history?.length, error.attempts);
    // Every attempt was refused; only the last may instead have been cut short by the deadline mid-connect.
    const refused = (error.history ?? []).filter((r) => r.code !== 'RETRY_DEADLINE');
    assert.ok(refused.length >= (error.attempts ?? 0) - 1);
    assert.ok(refused.every((r) => r.decision.kind === 'retry' && r.decision.neverArrived === true));
  });

  it('retries a connection reset', async () => {
    const { client, s } = await setup(scripted((_q, r) => dropConnection(r), jobOk));
    const job = await client.getJob('j1');
    assert.equal(job.id, 'j1');
    assert.equal(s.requests.length, 2);
  });

  it('surfaces network errors as kind network after the attempts run out', async () => {
    const { client, s } = await setup((_q, r) => dropConnection(r), { ...FAST, maxAttempts: 2 });
    const error = await rejection(client.getJob('j1'));
    assert.equal(error.kind, 'network');
    assert.equal(error.statusCode, undefined);
    assert.ok(error.code !== undefined);
    assert.equal(s.requests.length, 2);
  });

  const fatal: [string, number, string, string][] = [
    ['400 bad request', 400, 'InvalidPropertyValue', 'badRequest'],
    ['403 auth', 403, 'AuthenticationFailed', 'auth'],
    ['404 not found', 404, 'JobNotFound', 'notFound'],
    ['409 state', 409, 'JobCompleted', 'invalidOperation'],
    ['409 exists', 409, 'JobExists', 'alreadyExists'],
    ['412 condition', 412, 'ConditionNotMet', 'conditionNotMet'],
    ['413 too large', 413, 'RequestBodyTooLarge', 'badRequest'],
    ['501 not implemented', 501, 'NotImplemented', 'server'],
  ];
  for (const [name, status, code, kind] of fatal) {
    it(`never retries ${name}: exactly one request`, async () => {
      const { client, s } = await setup((_q, r) => sendError(r, status, code));
      const error = await rejection(client.getJob('j1'));
      assert.equal(s.requests.length, 1);
      assert.equal(error.statusCode, status);
      assert.equal(error.code, code);
      assert.equal(error.kind, kind);
      assert.equal(error.attempts, 1);
      assert.equal(error.giveUpReason, 'non-retryable');
    });
  }

  it('explains state errors: which transition failed and what the operation needs', async () => {
    const { client, s } = await setup((_q, r) => sendError(r, 409, 'TaskCompleted'));
    const error = await rejection(client.terminateTask('j1', 't1'));
    assert.equal(s.requests.length, 1);
    assert.equal(error.kind, 'invalidOperation');
    assert.equal(
      error.explanation,
      'task t1 is already completed; terminate applies to active, preparing or running tasks',
    );
  });

  it('abort during a backoff wait settles at once and sends nothing more', { timeout: 10_000 }, async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const { client, s } = await setup((_q, r) => sendError(r, 503, 'ServerBusy'), {
      ...FAST,
      baseDelayMs: 60_000,
      clock,
      deadlineMs: Number.POSITIVE_INFINITY,
    });
    const controller = new AbortController();
    const pending = client.getJob('j1', { signal: controller.signal });
    await clock.sleeping(1);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(clock.pendingSleeps, 0);
    assert.equal(s.requests.length, 1);
  });

  it('converges a retried delete: JobBeingDeleted after a lost response is success', async () => {
    const { client, s } = await setup(
      scripted(
        (_q, r) => dropConnection(r),
        (_q, r) => sendError(r, 409, 'JobBeingDeleted'),
      ),
    );
    const result = await client.deleteJob('j1');
    assert.equal(result.converged, true);
    assert.equal(result.attempts, 2);
    assert.equal(s.requests.length, 2);
  });

  it('does not converge a delete whose first attempt got JobBeingDeleted', async () => {
    const { client, s } = await setup((_q, r) => sendError(r, 409, 'JobBeingDeleted'));
    const error = await rejection(client.deleteJob('j1'));
    assert.equal(error.kind, 'invalidOperation');
    assert.equal(s.requests.length, 1);
  });

  it('sends the server timeout from the remaining deadline, at most 30 s', async () => {
    const { client, s } = await setup(jobOk);
    await client.getJob('j1', { timeoutMs: 12_500 });
    await client.getJob('j1');
    const [short, long] = s.requests.map((r) => Number(r.query.get('timeout')));
    assert.ok(short !== undefined && short >= 11 && short <= 12, `timeout=${short}`);
    assert.equal(long, 30);
  });

  it('passes a caller client-request-id through unchanged', async () => {
    const { client, s } = await setup(jobOk);
    await client.getJob('j1', { clientRequestId: '11111111-2222-3333-4444-555555555555' });
    assert.equal(s.requests[0]?.headers['client-request-id'], '11111111-2222-3333-4444-555555555555');
  });
});
