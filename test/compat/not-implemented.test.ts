/**
 * "Nothing silently ignored", operations: a Batch operation Batchite has no route for answers 501
 * `NotImplemented` naming it — never the 404 `ResourceNotFound` that reads as "your resource does not exist" —
 * while a path that is no Batch operation still answers 404 as Batch does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_OPERATIONS } from '@batchite/protocol';
import { expectBatchError } from '../support/errors.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { withServer } from '../support/server.js';

/** A wire path for a template: every parameter replaced by a value no resource has. */
function concretePath(template: string): string {
  return template
    .replace('{filePath}', 'wd/missing.txt')
    .replace('{thumbprintAlgorithm}', 'sha1')
    .replace(/\{[A-Za-z]+\}/g, 'not-implemented-probe');
}

void describe('operations Batchite does not implement', () => {
  const ctx = withServer();

  void it('an operation Batchite lacks, through the SDK: 501 NotImplemented naming the operation', async () => {
    const client = sdkClient(ctx.server, { retries: false });
    const error = await expectBatchError(
      client.computeNode.uploadBatchServiceLogs('p1', 'n1', {
        containerUrl: 'https://example.invalid/logs?sig=x',
        startTime: new Date(),
      }),
      {
        statusCode: 501,
        code: 'NotImplemented',
      },
    );
    const body = error.body as { message: { value: string }; values?: { key: string; value: string }[] };
    assert.match(
      body.message.value,
      /ComputeNode_UploadBatchServiceLogs \(POST \/pools\/\{poolId\}\/nodes\/\{nodeId\}\/uploadbatchservicelogs\)/,
    );
    assert.match(body.message.value, /Batchite does not implement/);
    assert.deepEqual(
      body.values?.find((v) => v.key === 'OperationId'),
      { key: 'OperationId', value: 'ComputeNode_UploadBatchServiceLogs' },
    );
  });

  void it('the not-implemented answer still checks api-version and Shared Key first', async () => {
    const path = '/pools/p1/nodes/n1/rdp';
    assertBatchErrorResponse(await rawRequest(ctx.server, { method: 'GET', path, sign: false }), {
      status: 403,
      code: 'AuthenticationFailed',
    });
    assertBatchErrorResponse(await rawRequest(ctx.server, { method: 'GET', path, apiVersion: null }), {
      status: 400,
      code: 'MissingRequiredQueryParameter',
    });
  });

  void it('a path that is no Batch operation stays 404 ResourceNotFound', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/pools/p1/nope'],
      ['PATCH', '/jobs/j1/tasks/t1'],
      ['POST', '/jobschedules/s1/nope'],
    ] as const) {
      assertBatchErrorResponse(await rawRequest(ctx.server, { method, path }), {
        status: 404,
        code: 'ResourceNotFound',
        values: { Reason: /^No operation matches / },
      });
    }
  });

  void it('no operation of the Batch REST API ever answers "No operation matches"', async () => {
    const answers = new Map<string, number>();
    for (const operation of BATCH_OPERATIONS) {
      const res = await rawRequest(ctx.server, {
        method: operation.method,
        path: concretePath(operation.path),
      });
      const reason = (res.json as { values?: { key: string; value: string }[] } | undefined)?.values?.find(
        (v) => v.key === 'Reason',
      );
      assert.doesNotMatch(
        reason?.value ?? '',
        /No operation matches/,
        `${operation.operationId} reached the unknown-path answer`,
      );
      // HEAD answers carry no body: only the status tells, and a missing resource is 404 there too.
      if (res.status === 501 && operation.method !== 'HEAD') {
        assert.match(res.text, new RegExp(operation.operationId));
      }
      answers.set(operation.operationId, res.status);
    }
    assert.equal(answers.size, BATCH_OPERATIONS.length, 'operation ids are unique');
    assert.equal(answers.get('Pool_Get'), 404, 'an implemented operation answers for itself (PoolNotFound)');
  });
});
