/**
 * Raw signed HTTP with bad input (the Azure Batch REST API reference: request headers, Shared Key authentication):
 * bad input always gets the right Batch 4xx error and never loses or corrupts stored data. Every case checks the
 * error body and request-id, that stored data is unchanged afterwards, and that the server still answers a valid request.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { authorizationHeader } from '@batchite/protocol';
import { NO_SUCH_POOL, SDK_API_VERSION } from '../support/ids.js';
import { poolBody } from '../support/fixtures.js';
import {
  assertBatchErrorResponse,
  rawRequest,
  type ExpectedRawError,
  type RawRequestOptions,
} from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const SEED_POOL = 'seed-pool';
const SEED_JOB = 'seed-job';
const SEED_TASK = 'seed-task';
const OTHER_KEY = Buffer.from('not the key').toString('base64');

void describe('raw negative requests', () => {
  const ctx = withServer();

  before(async () => {
    const client = sdkClient(ctx.server);
    await client.pool.add(poolBody(SEED_POOL));
    await client.job.add({ id: SEED_JOB, poolInfo: { poolId: NO_SUCH_POOL }, priority: 1 });
    await client.task.add(SEED_JOB, { id: SEED_TASK, commandLine: '/bin/sh -c "exit 0"' });
  });

  async function get(path: string): Promise<unknown> {
    const res = await rawRequest(ctx.server, { method: 'GET', path });
    assert.equal(res.status, 200, `GET ${path}: ${res.text.slice(0, 300)}`);
    assert.ok(res.headers['request-id'], 'request-id on a success response');
    return res.json;
  }

  /** Everything a bad request could have touched. */
  async function snapshot() {
    const pools = (await get('/pools')) as { value: { id: string }[] };
    const jobs = (await get('/jobs')) as { value: { id: string }[] };
    const seedTasks = (await get(`/jobs/${SEED_JOB}/tasks`)) as { value: { id: string }[] };
    // Guard against a vacuous comparison: the seed data must be in the snapshot.
    assert.ok(
      jobs.value.some((j) => j.id === SEED_JOB),
      'seed job listed',
    );
    assert.deepEqual(
      seedTasks.value.map((t) => t.id),
      [SEED_TASK],
    );
    return {
      poolIds: pools.value.map((p) => p.id).sort(),
      seedPool: await get(`/pools/${SEED_POOL}`),
      jobs,
      seedTasks,
    };
  }

  /** Sends a bad request; asserts the error, unchanged data and a still-working server. */
  async function rejects(options: RawRequestOptions, expected: ExpectedRawError) {
    const before = await snapshot();
    const res = await rawRequest(ctx.server, options);
    assertBatchErrorResponse(res, expected);
    assert.deepEqual(await snapshot(), before, 'stored data unchanged by a rejected request');
    const healthy = await rawRequest(ctx.server, { method: 'GET', path: `/jobs/${SEED_JOB}` });
    assert.equal(healthy.status, 200, 'the server still answers a valid request');
    return res;
  }

  void describe('request shape', () => {
    void it('malformed JSON → 400 InvalidRequestBody (job add, task add, addtaskcollection, job patch)', async () => {
      const garbage = '{"id": "half-a-job", "poolInfo": {';
      for (const [method, path] of [
        ['POST', '/jobs'],
        ['POST', `/jobs/${SEED_JOB}/tasks`],
        ['POST', `/jobs/${SEED_JOB}/addtaskcollection`],
        ['PATCH', `/jobs/${SEED_JOB}`],
      ] as const) {
        await rejects({ method, path, body: garbage }, { status: 400, code: 'InvalidRequestBody' });
      }
    });

    void it('unknown api-version → 400 UnsupportedRequestVersion (read and write)', async () => {
      await rejects(
        { method: 'GET', path: '/jobs', apiVersion: '2099-01-01.99.0' },
        { status: 400, code: 'UnsupportedRequestVersion' },
      );
      await rejects(
        { method: 'POST', path: '/jobs', apiVersion: '1.0', body: { id: 'vjob', poolInfo: { poolId: 'p' } } },
        { status: 400, code: 'UnsupportedRequestVersion' },
      );
    });

    void it('missing api-version → 400 MissingRequiredQueryParameter naming api-version', async () => {
      await rejects(
        { method: 'GET', path: '/jobs', apiVersion: null },
        { status: 400, code: 'MissingRequiredQueryParameter', values: { QueryParameterName: 'api-version' } },
      );
      await rejects(
        { method: 'POST', path: '/jobs', apiVersion: null, body: { id: 'nover', poolInfo: { poolId: 'p' } } },
        { status: 400, code: 'MissingRequiredQueryParameter', values: { QueryParameterName: 'api-version' } },
      );
    });

    void it('addtaskcollection body over 1 MB → 413 RequestBodyTooLarge, no task added', async () => {
      const big = 'x'.repeat(30_000);
      const value = Array.from({ length: 40 }, (_, i) => ({ id: `big-${i}`, commandLine: `echo ${big}` }));
      const body = JSON.stringify({ value });
      assert.ok(Buffer.byteLength(body) > 1024 * 1024);
      await rejects(
        { method: 'POST', path: `/jobs/${SEED_JOB}/addtaskcollection`, body },
        { status: 413, code: 'RequestBodyTooLarge' },
      );
    });

    void it('101 tasks in one addtaskcollection → a 4xx Batch error, no task added', async () => {
      const value = Array.from({ length: 101 }, (_, i) => ({ id: `many-${i}`, commandLine: 'true' }));
      const before = await snapshot();
      const res = await rawRequest(ctx.server, {
        method: 'POST',
        path: `/jobs/${SEED_JOB}/addtaskcollection`,
        body: { value },
      });
      assert.ok(
        res.status >= 400 && res.status < 500,
        `4xx expected, got ${res.status} ${res.text.slice(0, 200)}`,
      );
      assertBatchErrorResponse(res, {
        status: res.status,
        code: String((res.json as { code?: unknown })?.code),
      });
      assert.deepEqual(await snapshot(), before);
    });
  });

  void describe('validation', () => {
    void it('ids with invalid characters → 400 InvalidPropertyValue naming id', async () => {
      const expected = { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: 'id' } };
      await rejects(
        { method: 'POST', path: '/jobs', body: { id: 'bad id!', poolInfo: { poolId: 'p' } } },
        expected,
      );
      await rejects({ method: 'POST', path: '/pools', body: poolBody('bad/pool') }, expected);
      await rejects(
        { method: 'POST', path: `/jobs/${SEED_JOB}/tasks`, body: { id: 'bäd', commandLine: 'true' } },
        expected,
      );
    });

    void it('ids of 65 characters → 400 InvalidPropertyValue naming id (64 is the limit)', async () => {
      const long = 'a'.repeat(65);
      const expected = { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: 'id' } };
      await rejects(
        { method: 'POST', path: '/jobs', body: { id: long, poolInfo: { poolId: 'p' } } },
        expected,
      );
      await rejects({ method: 'POST', path: '/pools', body: poolBody(long) }, expected);
      await rejects(
        { method: 'POST', path: `/jobs/${SEED_JOB}/tasks`, body: { id: long, commandLine: 'x' } },
        expected,
      );
    });

    void it('wrong types → 400 InvalidPropertyValue naming the property', async () => {
      await rejects(
        { method: 'POST', path: '/jobs', body: { id: 'typed', poolInfo: { poolId: 'p' }, priority: 'high' } },
        { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: 'priority' } },
      );
      await rejects(
        {
          method: 'POST',
          path: '/jobs',
          body: { id: 'typed2', poolInfo: { poolId: 'p' }, constraints: { maxTaskRetryCount: 'x' } },
        },
        { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: /(^|\.)maxTaskRetryCount$/ } },
      );
      await rejects(
        { method: 'PATCH', path: `/jobs/${SEED_JOB}`, body: { priority: 'high' } },
        { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: 'priority' } },
      );
      await rejects(
        {
          method: 'POST',
          path: `/jobs/${SEED_JOB}/tasks`,
          body: { id: 'typed-task', commandLine: 'true', constraints: { maxTaskRetryCount: 'x' } },
        },
        { status: 400, code: 'InvalidPropertyValue', values: { PropertyName: /(^|\.)maxTaskRetryCount$/ } },
      );
    });

    void it('missing required properties → 400 MissingRequiredProperty naming the property', async () => {
      await rejects(
        { method: 'POST', path: '/jobs', body: { id: 'no-pool-info' } },
        { status: 400, code: 'MissingRequiredProperty', values: { PropertyName: 'poolInfo' } },
      );
      await rejects(
        { method: 'POST', path: '/jobs', body: { poolInfo: { poolId: 'p' } } },
        { status: 400, code: 'MissingRequiredProperty', values: { PropertyName: 'id' } },
      );
      await rejects(
        { method: 'POST', path: `/jobs/${SEED_JOB}/tasks`, body: { id: 'no-command' } },
        { status: 400, code: 'MissingRequiredProperty', values: { PropertyName: 'commandLine' } },
      );
      const { vmSize: _omitted, ...noVmSize } = poolBody('no-vm-size');
      await rejects(
        { method: 'POST', path: '/pools', body: noVmSize },
        { status: 400, code: 'MissingRequiredProperty', values: { PropertyName: 'vmSize' } },
      );
      await rejects(
        { method: 'PUT', path: `/jobs/${SEED_JOB}`, body: { priority: 2 } },
        { status: 400, code: 'MissingRequiredProperty', values: { PropertyName: 'poolInfo' } },
      );
    });

    void it('an id of exactly 64 characters is accepted (control for the 65-character case)', async () => {
      const id = 'b'.repeat(64);
      const res = await rawRequest(ctx.server, {
        method: 'POST',
        path: '/jobs',
        body: { id, poolInfo: { poolId: 'p' } },
      });
      assert.equal(res.status, 201, res.text);
      assert.ok(res.headers['request-id']);
      const deleted = await rawRequest(ctx.server, { method: 'DELETE', path: `/jobs/${id}` });
      assert.equal(deleted.status, 202);
      // The delete finishes in the background; later tests compare snapshots, so wait until it is gone.
      await waitFor(
        async () => (await rawRequest(ctx.server, { method: 'GET', path: `/jobs/${id}` })).status === 404,
        {
          what: `job ${id} to be deleted`,
        },
      );
    });
  });

  void describe('authentication', () => {
    void it('no Authorization header → 403 AuthenticationFailed', async () => {
      await rejects(
        { method: 'GET', path: '/jobs', sign: false },
        { status: 403, code: 'AuthenticationFailed' },
      );
      await rejects(
        { method: 'POST', path: '/jobs', sign: false, body: { id: 'unsigned', poolInfo: { poolId: 'p' } } },
        { status: 403, code: 'AuthenticationFailed' },
      );
    });

    void it('a malformed Authorization header → 400 InvalidAuthenticationInfo', async () => {
      for (const authorization of ['SharedKey', 'SharedKey no-colon-here', 'Garbage !!!']) {
        await rejects(
          {
            method: 'POST',
            path: '/jobs',
            authorization,
            body: { id: 'garbled', poolInfo: { poolId: 'p' } },
          },
          { status: 400, code: 'InvalidAuthenticationInfo' },
        );
      }
    });

    void it('a wrong signature → 403 AuthenticationFailed with AuthenticationErrorDetail', async () => {
      await rejects(
        {
          method: 'POST',
          path: '/jobs',
          accountKey: OTHER_KEY,
          body: { id: 'forged', poolInfo: { poolId: 'p' } },
        },
        { status: 403, code: 'AuthenticationFailed', values: { AuthenticationErrorDetail: true } },
      );
      await rejects(
        { method: 'DELETE', path: `/jobs/${SEED_JOB}`, accountKey: OTHER_KEY },
        { status: 403, code: 'AuthenticationFailed', values: { AuthenticationErrorDetail: true } },
      );
    });

    void it('a signature computed for another request → 403 AuthenticationFailed', async () => {
      // A valid signature of `GET /jobs`, replayed on `DELETE /jobs/seed-job` with the same ocp-date.
      const date = new Date().toUTCString();
      const stolen = authorizationHeader(
        {
          method: 'GET',
          pathAndQuery: `/jobs?api-version=${SDK_API_VERSION}`,
          headers: { 'ocp-date': date, 'content-type': 'application/json; charset=utf-8' },
          accountName: ctx.server.accountName,
        },
        ctx.server.accountKey,
      );
      await rejects(
        { method: 'DELETE', path: `/jobs/${SEED_JOB}`, ocpDate: date, authorization: stolen },
        { status: 403, code: 'AuthenticationFailed', values: { AuthenticationErrorDetail: true } },
      );
    });

    void it('ocp-date older than 15 minutes → 403 AuthenticationFailed even with a correct signature', async () => {
      const stale = new Date(Date.now() - 20 * 60_000).toUTCString();
      await rejects(
        { method: 'POST', path: '/jobs', ocpDate: stale, body: { id: 'stale', poolInfo: { poolId: 'p' } } },
        { status: 403, code: 'AuthenticationFailed' },
      );
    });

    void it('a Date header instead of ocp-date is a valid timestamp', async () => {
      const res = await rawRequest(ctx.server, {
        method: 'GET',
        path: `/jobs/${SEED_JOB}`,
        headers: { 'ocp-date': null, date: new Date().toUTCString() },
      });
      assert.equal(res.status, 200, res.text);
    });
  });

  void it('a valid raw GET: 200, request-id, JSON with odata.metadata, ETag header equal to the body eTag', async () => {
    const res = await rawRequest(ctx.server, { method: 'GET', path: `/jobs/${SEED_JOB}` });
    assert.equal(res.status, 200);
    assert.ok(res.headers['request-id']);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const body = res.json as { 'odata.metadata'?: unknown; id?: unknown; eTag?: unknown };
    assert.equal(typeof body['odata.metadata'], 'string');
    assert.equal(body.id, SEED_JOB);
    assert.equal(res.headers.etag, body.eTag);
  });
});
