/**
 * Our Shared Key signer (@batchite/protocol) must reproduce, byte for byte, the Authorization header the official
 * `@azure/batch` 10.2.0 client computes (Azure Batch REST reference). The SDK talks to a capture server, not to Batchite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizationHeader, stringToSign } from '@batchite/protocol';
import { startCaptureServer, type CaptureServer, type CapturedRequest } from '../support/capture-server.js';
import { sdkClient, type Endpoint } from '../support/sdk.js';

const ACCOUNT = 'wireacct';
const KEY = Buffer.from('a wire-test key that is only used against the capture server').toString('base64');
const JSON_HEADERS = { 'content-type': 'application/json;odata=minimalmetadata' };

function respond(request: CapturedRequest) {
  const path = request.url.split('?')[0] ?? '';
  const mutation = { ETag: '0x8D3D62350711C55', 'Last-Modified': new Date(0).toUTCString() };
  if (request.method === 'POST' && path === '/jobs') return { status: 201, headers: mutation };
  if (request.method === 'GET' && path === '/jobs') {
    return {
      status: 200,
      headers: JSON_HEADERS,
      body: JSON.stringify({ value: [{ id: 'job1', state: 'active' }] }),
    };
  }
  if (request.method === 'GET' && path === '/jobs/job1') {
    return { status: 200, headers: { ...JSON_HEADERS, ...mutation }, body: JSON.stringify({ id: 'job1' }) };
  }
  if (request.method === 'POST' && /^\/jobs\/job1\/(enable|terminate)$/.test(path)) {
    return { status: 202, headers: mutation };
  }
  if (request.method === 'POST' && path === '/jobs/job1/tasks/t1/terminate') return { status: 204 };
  if (request.method === 'GET' && path.startsWith('/jobs/job1/tasks/t1/files/')) {
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: 'hell' };
  }
  return { status: 500, headers: JSON_HEADERS, body: JSON.stringify({ code: 'UnexpectedInTest' }) };
}

function signedByUs(request: CapturedRequest): string {
  return authorizationHeader(
    { method: request.method, pathAndQuery: request.url, headers: request.headers, accountName: ACCOUNT },
    KEY,
  );
}

function ourStringToSign(request: CapturedRequest): string {
  return stringToSign({
    method: request.method,
    pathAndQuery: request.url,
    headers: request.headers,
    accountName: ACCOUNT,
  });
}

void describe('Shared Key: our signer reproduces what @azure/batch 10.2.0 sends', () => {
  let capture: CaptureServer;
  let endpoint: Endpoint;

  before(async () => {
    capture = await startCaptureServer(respond);
    endpoint = { url: capture.url, accountName: ACCOUNT, accountKey: KEY };
  });
  after(() => capture.close());

  /** Runs one SDK call and returns the single request it put on the wire. */
  async function captureOne(call: () => Promise<unknown>): Promise<CapturedRequest> {
    const count = capture.requests.length;
    await call();
    assert.equal(capture.requests.length, count + 1, 'exactly one request per call');
    return capture.requests[count]!;
  }

  void it('job add (JSON body with non-ASCII text)', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const request = await captureOne(() =>
      client.job.add({ id: 'job1', displayName: 'Jöb ✓', poolInfo: { poolId: 'p1' }, priority: 5 }),
    );
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json; odata=minimalmetadata; charset=utf-8');
    assert.equal(
      request.headers['content-length'],
      String(request.body.length),
      'Content-Length counts bytes',
    );
    assert.ok(request.body.length > request.body.toString('utf8').length, 'body really has multi-byte chars');
    assert.equal(signedByUs(request), request.headers.authorization);
    const lines = ourStringToSign(request).split('\n');
    assert.equal(lines[0], 'POST');
    assert.equal(lines[3], String(request.body.length), 'Content-Length line');
  });

  void it('job list with $filter, $select and maxresults (decoded query values are signed)', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const request = await captureOne(() =>
      client.job.list({ jobListOptions: { filter: "state eq 'active'", select: 'id,state', maxResults: 7 } }),
    );
    assert.match(request.url, /\$filter=state%20eq%20%27active%27/);
    assert.equal(signedByUs(request), request.headers.authorization);
    const resource = ourStringToSign(request).split('\n/wireacct/jobs\n')[1];
    assert.equal(
      resource,
      "$filter:state eq 'active'\n$select:id,state\napi-version:2022-10-01.16.0\nmaxresults:7",
      'canonicalized query: names sorted, values decoded',
    );
  });

  void it('job get with $select/$expand and a caller-supplied ocp-date', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const ocpDate = new Date('2024-01-02T03:04:05Z');
    const request = await captureOne(() =>
      client.job.get('job1', { jobGetOptions: { select: 'id,eTag', expand: 'stats', ocpDate } }),
    );
    assert.equal(request.headers['ocp-date'], ocpDate.toUTCString());
    assert.equal(request.headers['content-length'], undefined, 'GET carries no Content-Length');
    assert.equal(signedByUs(request), request.headers.authorization);
    assert.ok(
      ourStringToSign(request).includes(`\nocp-date:${ocpDate.toUTCString()}\n/wireacct/jobs/job1\n`),
    );
  });

  void it('job enable (body-less POST signs Content-Length 0)', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const request = await captureOne(() => client.job.enable('job1'));
    assert.equal(request.headers['content-length'], '0');
    assert.equal(request.body.length, 0);
    assert.equal(request.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(signedByUs(request), request.headers.authorization);
    assert.equal(ourStringToSign(request).split('\n')[3], '0');
  });

  void it('job terminate with a reason and task terminate without a body', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const terminateJob = await captureOne(() => client.job.terminate('job1', { terminateReason: 'Because' }));
    assert.deepEqual(JSON.parse(terminateJob.body.toString('utf8')), { terminateReason: 'Because' });
    assert.equal(signedByUs(terminateJob), terminateJob.headers.authorization);
    const terminateTask = await captureOne(() => client.task.terminate('job1', 't1'));
    assert.equal(terminateTask.headers['content-length'], '0');
    assert.equal(signedByUs(terminateTask), terminateTask.headers.authorization);
  });

  void it('task file get of wd/out.txt: the still-encoded wire path and ocp-range are signed', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const request = await captureOne(async () => {
      const response = await client.file.getFromTask('job1', 't1', 'wd/out.txt', {
        fileGetFromTaskOptions: { ocpRange: 'bytes=0-3' },
      });
      for await (const _chunk of response.readableStreamBody ?? []) {
        // drain the body so the connection is released
      }
    });
    assert.match(request.url, /^\/jobs\/job1\/tasks\/t1\/files\/wd%2Fout\.txt\?/);
    assert.equal(request.headers['ocp-range'], 'bytes=0-3');
    assert.equal(signedByUs(request), request.headers.authorization);
    const text = ourStringToSign(request);
    assert.ok(text.includes('\nocp-date:'), 'ocp-date is a canonical header');
    assert.ok(text.includes('\nocp-range:bytes=0-3\n'), 'ocp-range is a canonical header');
    assert.ok(text.includes('\n/wireacct/jobs/job1/tasks/t1/files/wd%2Fout.txt\n'), 'path stays encoded');
  });

  void it('a signature over a different path or key does not match (the comparison can fail)', async () => {
    const client = sdkClient(endpoint, { retries: false });
    const request = await captureOne(() => client.job.enable('job1'));
    const otherPath = { ...request, url: request.url.replace('/job1/', '/job2/') };
    assert.notEqual(signedByUs(otherPath), request.headers.authorization);
    const otherKey = authorizationHeader(
      { method: request.method, pathAndQuery: request.url, headers: request.headers, accountName: ACCOUNT },
      Buffer.from('another key').toString('base64'),
    );
    assert.notEqual(otherKey, request.headers.authorization);
  });
});
