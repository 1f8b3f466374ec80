/** client-request-id echo, request-id on every response. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

void describe('client-request-id and request-id', () => {
  const ctx = withServer();

  void it('echoed when return-client-request-id is true', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const clientRequestId = randomUUID();
    const job = await client.job.get(id, { jobGetOptions: { clientRequestId, returnClientRequestId: true } });
    assert.equal(job._response.headers.get('client-request-id'), clientRequestId);
    assert.equal(job.clientRequestId, clientRequestId);
  });

  void it('not echoed without return-client-request-id', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = await addIdleJob(client);
    const job = await client.job.get(id, { jobGetOptions: { clientRequestId: randomUUID() } });
    assert.equal(job._response.headers.get('client-request-id'), undefined);
  });

  void it('echoed on an error response too', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const clientRequestId = randomUUID();
    const error = await expectBatchError(
      client.job.get('missing', { jobGetOptions: { clientRequestId, returnClientRequestId: true } }),
      { statusCode: 404, code: 'JobNotFound' },
    );
    assert.equal(error.response?.headers.get('client-request-id'), clientRequestId);
  });

  void it('request-id is a GUID on every response, success or error, and differs per request', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = uniqueId('rid');
    const seen: string[] = [];
    const add = await client.job.add({ id, poolInfo: { poolId: 'p' } });
    seen.push(String(add._response.headers.get('request-id')));
    const get = await client.job.get(id);
    seen.push(String(get._response.headers.get('request-id')));
    const list = await client.job.list();
    seen.push(String(list._response.headers.get('request-id')));
    const missing = await client.pool.exists('missing-pool');
    seen.push(String(missing._response.headers.get('request-id')));
    const conflict = await expectBatchError(client.job.add({ id, poolInfo: { poolId: 'p' } }), {
      statusCode: 409,
      code: 'JobExists',
    });
    seen.push(String(conflict.response?.headers.get('request-id')));
    for (const requestId of seen) assert.match(requestId, GUID);
    assert.equal(new Set(seen).size, seen.length, 'a fresh request-id per request');
    assert.equal(add.requestId, seen[0], 'the SDK surfaces it as requestId');
  });
});
