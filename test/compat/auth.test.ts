/** Shared Key accepted with the right key, 403 AuthenticationFailed otherwise. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { NO_SUCH_POOL, uniqueId } from '../support/ids.js';
import { sdkClient, type SentRequest } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const OTHER_KEY = Buffer.from('definitely not the account key').toString('base64');
const MINUTE = 60_000;

void describe('auth: Shared Key through the official SDK', () => {
  const ctx = withServer();

  void it('the right key: job.add answers 201', async () => {
    const client = sdkClient(ctx.server);
    const id = uniqueId('auth-ok');
    const added = await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL } });
    assert.equal(added._response.status, 201);
    const job = await client.job.get(id);
    assert.equal(job.id, id);
  });

  void it('a wrong key: 403 AuthenticationFailed after exactly one request, nothing created', async () => {
    const sent: SentRequest[] = [];
    const wrong = sdkClient(ctx.server, { accountKey: OTHER_KEY, sent });
    const id = uniqueId('auth-bad');
    await expectBatchError(wrong.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL } }), {
      statusCode: 403,
      code: 'AuthenticationFailed',
    });
    assert.equal(sent.length, 1, '403 is not retried');
    await expectBatchError(sdkClient(ctx.server).job.get(id), { statusCode: 404, code: 'JobNotFound' });
  });

  void it('a wrong account name: 403 AuthenticationFailed', async () => {
    const wrong = sdkClient(ctx.server, { accountName: `${ctx.server.accountName}x`, retries: false });
    await expectBatchError(wrong.job.list(), { statusCode: 403, code: 'AuthenticationFailed' });
  });

  void it('ocp-date older than 15 minutes: 403 AuthenticationFailed', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const id = uniqueId('auth-stale');
    await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL } });
    const ocpDate = new Date(Date.now() - 20 * MINUTE);
    await expectBatchError(client.job.get(id, { jobGetOptions: { ocpDate } }), {
      statusCode: 403,
      code: 'AuthenticationFailed',
    });
  });

  void it('ocp-date more than 15 minutes in the future: 403 AuthenticationFailed', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const ocpDate = new Date(Date.now() + 20 * MINUTE);
    await expectBatchError(client.job.list({ jobListOptions: { ocpDate } }), {
      statusCode: 403,
      code: 'AuthenticationFailed',
    });
  });

  void it('ocp-date a few minutes old is still inside the window', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const ocpDate = new Date(Date.now() - 5 * MINUTE);
    const list = await client.job.list({ jobListOptions: { ocpDate } });
    assert.equal(list._response.status, 200);
  });
});
