/**
 * Issue 12, point 8: bad input is a Batch 4xx, never a 500. Deeply nested JSON is refused at parse time with
 * nothing stored, on every surface; errors the HTTP framework raises (bad percent-encoding, URIs and headers
 * too long, malformed requests) come in the Batch error body with a request-id. Real server, raw sockets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawRequest } from '../support/raw.js';
import { SDK_API_VERSION } from '../support/ids.js';
import { withServer } from '../support/server.js';
import {
  assertAnswerIsBatchError,
  assertRawIsBatchError,
  deepObject,
  plain,
  rawExchange,
} from './http-support.js';

/** Far past the 4,250 levels that overflowed the stack while serialising. */
const DEEP = 5_000;
const QUERY = `api-version=${SDK_API_VERSION}`;

describe('deeply nested JSON', () => {
  const handle = withServer();

  const signedPost = (path: string, body: string) =>
    rawRequest(handle.server, {
      method: 'POST',
      path,
      body,
      headers: { 'content-type': 'application/json' },
    });

  it('job add with a deep value in metadata or an unknown property: 400 InvalidRequestBody, nothing stored', async () => {
    const bodies = {
      'deep-meta': `{"id":"deep-meta","poolInfo":{"poolId":"p"},"metadata":[{"name":"m","value":${deepObject(DEEP)}}]}`,
      'deep-unknown': `{"id":"deep-unknown","poolInfo":{"poolId":"p"},"extra":${deepObject(DEEP)}}`,
      'deep-array': `{"id":"deep-array","poolInfo":{"poolId":"p"},"extra":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`,
    };
    for (const [id, body] of Object.entries(bodies)) {
      const answer = await signedPost('/jobs', body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal((answer.json as { code: string }).code, 'InvalidRequestBody');
      assert.ok(answer.headers['request-id']);
      const stored = await rawRequest(handle.server, { method: 'GET', path: `/jobs/${id}` });
      assert.equal(stored.status, 404, `${id} was not stored`);
    }
  });

  it('task add and task collection with deep bodies: 400, no task stored', async () => {
    const created = await rawRequest(handle.server, {
      method: 'POST',
      path: '/jobs',
      body: { id: 'deep-tasks', poolInfo: { poolId: 'p' } },
    });
    assert.equal(created.status, 201, created.text);
    const task = await signedPost(
      '/jobs/deep-tasks/tasks',
      `{"id":"t1","commandLine":"/bin/true","extra":${deepObject(DEEP)}}`,
    );
    assert.equal(task.status, 400, task.text);
    assert.equal((task.json as { code: string }).code, 'InvalidRequestBody');
    const collection = await signedPost(
      '/jobs/deep-tasks/addtaskcollection',
      `{"value":[{"id":"t2","commandLine":"/bin/true"},{"id":"t3","commandLine":"x","extra":${deepObject(DEEP)}}]}`,
    );
    assert.equal(collection.status, 400, collection.text);
    const list = await rawRequest(handle.server, { method: 'GET', path: '/jobs/deep-tasks/tasks' });
    assert.deepEqual((list.json as { value: unknown[] }).value, []);
  });

  it('brackets inside strings do not count; moderate nesting is fine', async () => {
    const answer = await signedPost(
      '/jobs',
      `{"id":"brackets","poolInfo":{"poolId":"p"},"displayName":"${'[{'.repeat(200)}"}`,
    );
    assert.equal(answer.status, 201, answer.text);
  });

  it('beyond the Batch API: fault rules and dashboard actions get the same bound', async () => {
    const faults = await rawRequest(handle.server, {
      method: 'PUT',
      path: '/.batchite/faults',
      apiVersion: null,
      body: `{"rules":[],"x":${deepObject(DEEP)}}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(faults.status, 400, faults.text);
    assert.equal((faults.json as { code: string }).code, 'InvalidRequestBody');
    const action = await plain(`${handle.server.url}/ui/api/jobs/deep-tasks/tasks/none/terminate`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${handle.server.dashboardToken}`,
        'x-batchite-ui': '1',
        'content-type': 'application/json',
      },
      body: deepObject(DEEP),
    });
    assertAnswerIsBatchError(action, 400, 'InvalidRequestBody');
  });

  it('the server is healthy afterwards', async () => {
    const jobs = await rawRequest(handle.server, { method: 'GET', path: '/jobs' });
    assert.equal(jobs.status, 200);
    const ids = (jobs.json as { value: { id: string }[] }).value.map((job) => job.id).sort();
    assert.deepEqual(ids, ['brackets', 'deep-tasks']);
  });
});

describe('errors raised by the HTTP framework', () => {
  const handle = withServer();
  const exchange = (text: string) => rawExchange(handle.server.url, text);
  const get = (target: string, extra = '') =>
    exchange(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`);

  it('bad percent-encoding in the path: 400 RequestUrlFailedToParse', async () => {
    for (const target of [`/jobs/%zz?${QUERY}`, `/jobs/%E0%A4%A?${QUERY}`, '/ui/api/jobs/%C0']) {
      assertRawIsBatchError(await get(target), 400, 'RequestUrlFailedToParse');
    }
  });

  it('a path segment longer than any id: 414 InvalidUri', async () => {
    assertRawIsBatchError(await get(`/jobs/${'a'.repeat(500)}?${QUERY}`), 414, 'InvalidUri');
  });

  it('a request line too long for the server: 414 InvalidUri', async () => {
    assertRawIsBatchError(await get(`/jobs?${QUERY}&x=${'a'.repeat(20_000)}`), 414, 'InvalidUri');
  });

  it('headers too large: 431 InvalidHeaderValue', async () => {
    assertRawIsBatchError(
      await get(`/jobs?${QUERY}`, `x-big: ${'b'.repeat(20_000)}\r\n`),
      431,
      'InvalidHeaderValue',
    );
  });

  it('a malformed request: 400 in the Batch body', async () => {
    const answer = await exchange('GARBAGE\r\n\r\n');
    assert.equal(answer.status, 400);
    assertRawIsBatchError(answer, 400, (JSON.parse(answer.body) as { code: string }).code);
    const badLength = await exchange(
      `POST /jobs?${QUERY} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`,
    );
    assertRawIsBatchError(badLength, 400, 'InvalidHeaderValue');
  });

  it('an unparseable Content-Type: 415 InvalidHeaderValue', async () => {
    const answer = await rawRequest(handle.server, {
      method: 'POST',
      path: '/jobs',
      body: '{"id":"ctype","poolInfo":{"poolId":"p"}}',
      headers: { 'content-type': ';;;' },
    });
    assert.equal(answer.status, 415, answer.text);
    assert.equal((answer.json as { code: string }).code, 'InvalidHeaderValue');
    assert.ok(answer.headers['request-id']);
  });

  it('an unknown HTTP method: 400 InvalidHttpVerb', async () => {
    assertRawIsBatchError(await exchange('FOO /jobs HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'InvalidHttpVerb');
  });

  it('the server answers normally afterwards', async () => {
    const jobs = await rawRequest(handle.server, { method: 'GET', path: '/jobs' });
    assert.equal(jobs.status, 200);
  });
});
