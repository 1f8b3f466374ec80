/**
 * Job-scoped tokens (AZ_BATCH_AUTHENTICATION_TOKEN) are a key to one job, nothing more: the token a real task
 * received works with the official SDK's TokenCredentials for its own job, and is refused for another job
 * (403 AuthorizationFailure), for pools and for account-level operations, on the non-Batch surfaces, after its
 * job is deleted; forged, expired and malformed tokens are 403 AuthenticationFailed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { issueJobToken } from '@batchite/server';
import { uniqueId } from '../support/ids.js';
import { rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { waitUntilGone } from '../support/poll.js';
import { addRunJob, readAll, refusal, sh, taskInState, withRunner } from '../execution/helpers.js';

void describe('job-scoped bearer tokens', () => {
  const runner = withRunner({ nodes: 1, slots: 2 });
  let jobId: string;
  let otherJobId: string;
  let token: string;

  before(async () => {
    jobId = await addRunJob(runner);
    otherJobId = await addRunJob(runner);
    await runner.client.task.add(jobId, {
      id: 'holder',
      commandLine: sh('printf %s "$AZ_BATCH_AUTHENTICATION_TOKEN"'),
      authenticationTokenSettings: { access: ['job'] },
    });
    await taskInState(runner, jobId, 'holder', 'completed');
    const file = await runner.client.file.getFromTask(jobId, 'holder', 'stdout.txt');
    token = (await readAll(file.readableStreamBody)).toString('utf8');
    assert.match(token, /^bjt1\./);
    assert.ok(!token.includes(runner.server.accountKey), 'the account key never reaches a task');
  });

  const tokenClient = (value = token) => sdkClient(runner.server, { bearerToken: value, retries: false });

  void it("works with the SDK's TokenCredentials for its own job: get, add and list tasks", async () => {
    const client = tokenClient();
    assert.equal((await client.job.get(jobId)).id, jobId);
    await client.task.add(jobId, { id: 'added-by-token', commandLine: sh('true') });
    const ids = [...(await client.task.list(jobId))].map((task) => task.id);
    assert.ok(ids.includes('added-by-token'));
    assert.equal((await client.job.getTaskCounts(jobId)).taskCounts.active >= 0, true);
  });

  void it('is refused for another job, the job list, new jobs and pools', async () => {
    const client = tokenClient();
    const denied = { statusCode: 403, code: 'AuthorizationFailure' };
    assert.deepEqual(await refusal(client.job.get(otherJobId)), denied);
    assert.deepEqual(await refusal(client.task.list(otherJobId)), denied);
    assert.deepEqual(await refusal(client.job.list()), denied);
    assert.deepEqual(
      await refusal(client.job.add({ id: uniqueId('evil'), poolInfo: { poolId: runner.poolId } })),
      denied,
    );
    assert.deepEqual(await refusal(client.pool.get(runner.poolId)), denied);
    assert.deepEqual(await refusal(client.pool.list()), denied);
    assert.deepEqual(await refusal(client.computeNode.list(runner.poolId)), denied);
  });

  void it('opens none of the non-Batch surfaces', async () => {
    for (const path of [`/.batchite/jobs/${jobId}/why`, '/metrics', '/ui/api/overview']) {
      const answer = await rawRequest(runner.server, {
        method: 'GET',
        path,
        apiVersion: null,
        sign: false,
        authorization: `Bearer ${token}`,
      });
      // Shared Key surfaces read a Bearer header as malformed (400), operator ones as no credential (401/403).
      assert.ok([400, 401, 403].includes(answer.status), `${path}: ${answer.status} ${answer.text}`);
    }
  });

  void it('refuses forged, malformed and expired tokens with 403 AuthenticationFailed', async () => {
    const failed = { statusCode: 403, code: 'AuthenticationFailed' };
    const [prefix, payload, signature] = token.split('.');
    const flipped = `${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1) ?? ''}`;
    assert.deepEqual(await refusal(tokenClient(`${prefix}.${payload}.${flipped}`).job.get(jobId)), failed);
    // Another job's id in a payload signed for this one.
    const otherPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), j: otherJobId }),
    ).toString('base64url');
    assert.deepEqual(
      await refusal(tokenClient(`${prefix}.${otherPayload}.${signature}`).job.get(otherJobId)),
      failed,
    );
    assert.deepEqual(await refusal(tokenClient('not-a-token').job.get(jobId)), failed);
    const nonce = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()).n as string;
    const account = { name: runner.server.accountName, key: runner.server.accountKey };
    const expired = issueJobToken(account, { jobId, nonce, expiresAt: Date.now() - 1000 });
    assert.deepEqual(await refusal(tokenClient(expired).job.get(jobId)), failed);
    // The same claims, unexpired and signed with the server's key, are accepted: the expiry is what failed.
    const fresh = issueJobToken(account, { jobId, nonce, expiresAt: Date.now() + 60_000 });
    assert.equal((await tokenClient(fresh).job.get(jobId)).id, jobId);
    // Signed with another key: refused.
    const foreign = issueJobToken(
      { name: account.name, key: Buffer.alloc(64, 7).toString('base64') },
      { jobId, nonce, expiresAt: Date.now() + 60_000 },
    );
    assert.deepEqual(await refusal(tokenClient(foreign).job.get(jobId)), failed);
  });

  void it('stops working when its job is deleted, also for a new job with the same id', async () => {
    const client = tokenClient();
    await runner.client.job.deleteMethod(jobId);
    await waitUntilGone(() => runner.client.job.get(jobId), 'JobNotFound', ['active', 'deleting']);
    assert.deepEqual(await refusal(client.job.get(jobId)), { statusCode: 403, code: 'AuthenticationFailed' });
    await runner.client.job.add({ id: jobId, poolInfo: { poolId: runner.poolId } });
    assert.deepEqual(await refusal(client.job.get(jobId)), { statusCode: 403, code: 'AuthenticationFailed' });
  });
});
