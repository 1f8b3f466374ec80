/**
 * Shared Key: the doc's worked example, and byte-for-byte agreement with what `@azure/batch` 10.2.0 signs.
 * The SDK's own `BatchSharedKeyCredentials.signRequest` signs a `WebResource`, ms-rest-js's real HTTP client
 * (node-fetch) sends it to a loopback server, and we recompute the signature from the request as received.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchSharedKeyCredentials } from '@azure/batch';
import { DefaultHttpClient, WebResource, type HttpMethods } from '@azure/ms-rest-js';
import {
  authorizationHeader,
  canonicalizedHeaders,
  canonicalizedResource,
  computeSignature,
  parseAuthorization,
  signaturesEqual,
  stringToSign,
  stringsToSign,
  verifySharedKey,
  type SignableRequest,
} from '../src/index.js';

const ACCOUNT = 'batchite';
const KEY = 'Y1dLo/hJxuVMb17X4ToLH2WtcDkvrJZ32NJexlLWhDvgq8iQHk+UCXtsKQQi/7TwdQSp+v9QRJTzehHb2qXnCw==';
const OCP_DATE = 'Tue, 29 Jul 2014 21:49:13 GMT';
const JSON_BODY_TYPE = 'application/json; odata=minimalmetadata; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const API = 'api-version=2022-10-01.16.0';

void test('@azure/batch 7.x (2018-12-01.8.0) signs Content-Length 0 on a DELETE sent without one', () => {
  const sent: SignableRequest = {
    method: 'DELETE',
    pathAndQuery: '/jobs/j1?api-version=2018-12-01.8.0',
    headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    accountName: ACCOUNT,
  };
  const signedWithZero = computeSignature(
    stringToSign({ ...sent, headers: { ...sent.headers, 'content-length': '0' } }),
    KEY,
  );
  assert.equal(verifySharedKey(sent, KEY, signedWithZero), true);
  // Only for verbs other than GET, and only with the right key.
  const get = { ...sent, method: 'GET' };
  const getWithZero = computeSignature(
    stringToSign({ ...get, headers: { ...get.headers, 'content-length': '0' } }),
    KEY,
  );
  assert.equal(verifySharedKey(get, KEY, getWithZero), false);
  assert.equal(verifySharedKey(sent, Buffer.from('other').toString('base64'), signedWithZero), false);
});

void test('the documented List Jobs example (Azure Batch REST reference)', () => {
  const request: SignableRequest = {
    method: 'GET',
    pathAndQuery: '/jobs?api-version=2014-01-01.1.0&timeout=20',
    headers: { 'ocp-date': OCP_DATE },
    accountName: 'myaccount',
  };
  const expected =
    'GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Tue, 29 Jul 2014 21:49:13 GMT\n/myaccount/jobs\napi-version:2014-01-01.1.0\ntimeout:20';
  assert.equal(stringToSign(request), expected);
  assert.equal(stringsToSign(request)[0], expected);
  const header = authorizationHeader(request, KEY);
  assert.equal(header, `SharedKey myaccount:${computeSignature(expected, KEY)}`);
  assert.deepEqual(parseAuthorization(header), { accountName: 'myaccount', signature: header.split(':')[1] });
});

void test('canonical parts', () => {
  assert.equal(canonicalizedResource('a', ''), '/a/');
  assert.equal(canonicalizedResource('a', '/jobs?B=2&a=1&b=1&flag'), '/a/jobs\na:1\nb:1,2\nflag:');
  assert.equal(canonicalizedResource('a', '/jobs?B=2&a=1&b=1', 'js-sdk'), '/a/jobs\nB:2\na:1\nb:1');
  assert.equal(canonicalizedResource('a', '/f/wd%2Fout.txt?x=a+b%2Bc%20d'), '/a/f/wd%2Fout.txt\nx:a b+c d');
  assert.equal(
    canonicalizedHeaders({ 'OCP-Range': 'bytes=0-3', 'ocp-date': 'D', Other: 'x' }),
    'ocp-date:D\nocp-range:bytes=0-3\n',
  );
  // The HMAC of the well-known dev key over a fixed text never changes.
  assert.equal(computeSignature('x', KEY), computeSignature('x', KEY));
  assert.notEqual(computeSignature('x', KEY), computeSignature('y', KEY));
});

void test('parseAuthorization and signaturesEqual', () => {
  assert.equal(parseAuthorization('Bearer abc'), undefined);
  assert.equal(parseAuthorization('SharedKey acct'), undefined);
  assert.equal(parseAuthorization('SharedKey acct:not base64!'), undefined);
  assert.equal(signaturesEqual('YWJj', 'YWJj'), true);
  assert.equal(signaturesEqual('YWJj', 'YWJk'), false);
  assert.equal(signaturesEqual('', ''), false);
  assert.equal(signaturesEqual('YWJj', 'YWJjZA=='), false);
});

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

interface Shape {
  method: HttpMethods;
  /** Request target as the SDK builds it (path params via encodeURIComponent). */
  target: string;
  headers?: Record<string, string>;
  body?: string;
}

void describe('agreement with @azure/batch 10.2.0 BatchSharedKeyCredentials', () => {
  let server: Server;
  let origin: string;
  let last: Received | undefined;
  const http = new DefaultHttpClient();

  before(async () => {
    server = createServer((request, response) => {
      last = { method: request.method ?? '', url: request.url ?? '', headers: request.headers };
      request.resume();
      request.on('end', () => response.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Signs with the SDK, sends with ms-rest-js's HTTP client, returns the request as the server received it. */
  async function sendSigned(
    shape: Shape,
    account = ACCOUNT,
    key = KEY,
  ): Promise<Received & { signable: SignableRequest }> {
    const resource = new WebResource(origin + shape.target, shape.method, shape.body);
    for (const [name, value] of Object.entries(shape.headers ?? {})) resource.headers.set(name, value);
    await new BatchSharedKeyCredentials(account, key).signRequest(resource);
    last = undefined;
    await http.sendRequest(resource);
    assert.ok(last, 'the server received the request');
    const received: Received = last;
    const signable = {
      method: received.method,
      pathAndQuery: received.url,
      headers: received.headers,
      accountName: account,
    };
    return { ...received, signable };
  }

  async function assertIdentical(shape: Shape): Promise<Received> {
    const received = await sendSigned(shape);
    assert.equal(authorizationHeader(received.signable, KEY), received.headers.authorization, shape.target);
    assert.equal(
      verifySharedKey(received.signable, KEY, parseAuthorization(received.headers.authorization!)!.signature),
      true,
    );
    return received;
  }

  const filter = encodeURIComponent("executionInfo/exitCode ne 0 and state eq 'completed'");

  void it('GET with $filter (spaces and quotes), $select and $expand', async () => {
    const received = await assertIdentical({
      method: 'GET',
      target: `/jobs/job1/tasks?${API}&$filter=${filter}&$select=id%2CexecutionInfo&$expand=stats`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    assert.match(
      received.url,
      /%27completed%27/,
      'node-fetch escapes the quotes; the signature is unaffected',
    );
  });

  void it('GET whose $filter has a space written as +', async () => {
    await assertIdentical({
      method: 'GET',
      target: `/jobs?${API}&$filter=state+eq+'active'`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
  });

  void it('GET of a nextLink with + and %2B in the continuation token', async () => {
    await assertIdentical({
      method: 'GET',
      target: `/jobs?${API}&maxresults=2&$skiptoken=a+b%2Bc`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
  });

  void it('POST with a JSON body (non-ASCII, so byte length ≠ string length)', async () => {
    const body = JSON.stringify({ id: 'job1', displayName: 'Zürich ✓', poolInfo: { poolId: 'p1' } });
    const received = await assertIdentical({
      method: 'POST',
      target: `/jobs?${API}`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_BODY_TYPE, 'client-request-id': 'c0ffee' },
      body,
    });
    assert.equal(received.headers['content-length'], String(Buffer.byteLength(body)));
    assert.notEqual(Buffer.byteLength(body), body.length);
  });

  void it('body-less POST sends and signs Content-Length: 0', async () => {
    const received = await assertIdentical({
      method: 'POST',
      target: `/jobs/job1/enable?${API}`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    assert.equal(received.headers['content-length'], '0');
  });

  void it('GET of a task file whose path is wd%2Fout.txt, with ocp-range and If-Modified-Since', async () => {
    const received = await assertIdentical({
      method: 'GET',
      target: `/jobs/job1/tasks/t1/files/${encodeURIComponent('wd/out.txt')}?${API}`,
      headers: {
        'ocp-date': OCP_DATE,
        'content-type': JSON_TYPE,
        'ocp-range': 'bytes=0-3',
        'if-modified-since': 'Mon, 28 Jul 2014 21:49:13 GMT',
      },
    });
    assert.match(received.url, /\/files\/wd%2Fout\.txt\?/);
  });

  void it('HEAD and DELETE without Content-Length; recursive before api-version', async () => {
    const target = `/jobs/job1/tasks/t1/files/${encodeURIComponent('wd/sub dir')}?recursive=true&${API}`;
    await assertIdentical({
      method: 'HEAD',
      target,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    const received = await assertIdentical({
      method: 'DELETE',
      target,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    assert.equal(received.headers['content-length'], undefined);
  });

  void it('PATCH with If-Match and a body', async () => {
    await assertIdentical({
      method: 'PATCH',
      target: `/jobs/job1?${API}&timeout=20`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_BODY_TYPE, 'if-match': '0x8D3D62350711C55' },
      body: JSON.stringify({ onAllTasksComplete: 'terminatejob' }),
    });
  });

  void it('ocp-date set by the signer itself, and a path prefix in the base URL', async () => {
    const received = await assertIdentical({
      method: 'GET',
      target: `/batchite/jobs/job1?${API}`,
      headers: { 'content-type': JSON_TYPE },
    });
    assert.ok(Date.parse(String(received.headers['ocp-date'])) > 0);
  });

  // Mismatches found by these tests: our canonical form differs, so the server must verify with stringsToSign.
  void it("file name with an apostrophe: the SDK signs ' but node-fetch sends %27", async () => {
    const received = await sendSigned({
      method: 'GET',
      target: `/jobs/job1/tasks/t1/files/${encodeURIComponent("it's here.txt")}?${API}`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    assert.match(received.url, /it%27s%20here\.txt/);
    const signature = parseAuthorization(received.headers.authorization!)!.signature;
    assert.notEqual(authorizationHeader(received.signable, KEY), received.headers.authorization);
    assert.equal(verifySharedKey(received.signable, KEY, signature), true);
  });

  void it('query name with capitals: the SDK keeps its case, the doc lower-cases it', async () => {
    const received = await sendSigned({
      method: 'GET',
      target: `/jobs?${API}&$skipToken=abc`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_TYPE },
    });
    const signature = parseAuthorization(received.headers.authorization!)!.signature;
    assert.notEqual(authorizationHeader(received.signable, KEY), received.headers.authorization);
    assert.equal(verifySharedKey(received.signable, KEY, signature), true);
  });

  void it('body-less PUT: node-fetch sends Content-Length: 0, the SDK signs it empty', async () => {
    const received = await sendSigned({
      method: 'PUT',
      target: `/jobs/job1?${API}`,
      headers: { 'ocp-date': OCP_DATE, 'content-type': JSON_BODY_TYPE },
    });
    assert.equal(received.headers['content-length'], '0');
    const signature = parseAuthorization(received.headers.authorization!)!.signature;
    assert.notEqual(authorizationHeader(received.signable, KEY), received.headers.authorization);
    assert.equal(verifySharedKey(received.signable, KEY, signature), true);
  });

  void it('verification rejects a wrong key, another account, and a tampered request', async () => {
    const otherKey = Buffer.from('not the key').toString('base64');
    const wrongKey = await sendSigned(
      { method: 'GET', target: `/jobs?${API}`, headers: { 'ocp-date': OCP_DATE } },
      ACCOUNT,
      otherKey,
    );
    const signature = parseAuthorization(wrongKey.headers.authorization!)!.signature;
    assert.equal(verifySharedKey(wrongKey.signable, KEY, signature), false);

    const good = await sendSigned({
      method: 'GET',
      target: `/jobs/job1?${API}`,
      headers: { 'ocp-date': OCP_DATE },
    });
    const goodSignature = parseAuthorization(good.headers.authorization!)!.signature;
    assert.equal(verifySharedKey(good.signable, KEY, goodSignature), true);
    assert.equal(verifySharedKey({ ...good.signable, accountName: 'other' }, KEY, goodSignature), false);
    assert.equal(
      verifySharedKey({ ...good.signable, pathAndQuery: `/jobs/job2?${API}` }, KEY, goodSignature),
      false,
    );
    assert.equal(verifySharedKey({ ...good.signable, method: 'DELETE' }, KEY, goodSignature), false);
    const laterDate = { ...good.signable.headers, 'ocp-date': 'Tue, 29 Jul 2014 21:49:14 GMT' };
    assert.equal(verifySharedKey({ ...good.signable, headers: laterDate }, KEY, goodSignature), false);
  });
});
