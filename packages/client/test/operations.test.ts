/**
 * Wire shape of operations against a scripted server: paging over odata.nextLink (each page retried), path encoding of
 * file paths, headers and query parameters, success codes, HEAD answers, file ranges, env defaults.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { RetryOptions } from '@batchite/retry';
import { BatchClient, isBatchError } from '../src/index.js';
import { resolveClientOptions } from '../src/options.js';
import {
  ACCOUNT,
  KEY,
  sendError,
  sendJson,
  startScriptedServer,
  type Handler,
  type RecordedRequest,
  type ScriptedServer,
} from './helpers/scripted-server.js';

const FAST: RetryOptions = { baseDelayMs: 1, throttleBaseDelayMs: 1, maxDelayMs: 2, jitter: 'none' };

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(handler: Handler): Promise<{ client: BatchClient; s: ScriptedServer }> {
  server = await startScriptedServer(handler);
  return {
    client: new BatchClient({
      endpoint: `${server.url}/`,
      accountName: ACCOUNT,
      accountKey: KEY,
      retry: FAST,
    }),
    s: server,
  };
}

/** Five jobs, pages of `maxresults`, absolute nextLinks with an opaque token; the second page fails once with 503. */
function jobPages(baseUrl: () => string): Handler {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  let failedOnce = false;
  return (req, res) => {
    const skip = Number(req.query.get('$skiptoken') ?? 0);
    if (skip === 2 && !failedOnce) {
      failedOnce = true;
      return sendError(res, 503, 'ServerBusy');
    }
    const size = Number(req.query.get('maxresults') ?? 1000);
    const value = ids.slice(skip, skip + size).map((id) => ({ id }));
    const next = skip + size < ids.length ? skip + size : undefined;
    const link = `${baseUrl()}/jobs?api-version=2022-10-01.16.0&maxresults=${size}&$skiptoken=${next}`;
    sendJson(res, 200, { value, ...(next === undefined ? {} : { 'odata.nextLink': link }) });
  };
}

describe('operations on the wire', () => {
  it('listJobs follows odata.nextLink, retrying a failed page', async () => {
    const { client, s } = await setup(jobPages(() => server?.url ?? ''));
    const ids: string[] = [];
    for await (const job of client.listJobs({ maxResults: 2, filter: "state eq 'active'" }))
      ids.push(job.id ?? '');
    assert.deepEqual(ids, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(s.requests.length, 4, '3 pages + 1 retry');
    assert.ok(s.requests.every((r) => r.signatureOk));
    assert.equal(s.requests[0]?.query.get('$filter'), "state eq 'active'");
    assert.match(
      s.requests[0]?.rawUrl ?? '',
      /^\/jobs\?\$filter=state%20eq%20%27active%27&maxresults=2&api-version=/,
    );
    for (const r of s.requests) assert.deepEqual(r.query.getAll('api-version'), ['2022-10-01.16.0']);
  });

  it('byPage yields pages with their nextLink', async () => {
    const { client } = await setup(jobPages(() => server?.url ?? ''));
    const pages: number[] = [];
    for await (const page of client.listJobs({ maxResults: 2 }).byPage()) pages.push(page.items.length);
    assert.deepEqual(pages, [2, 2, 1]);
  });

  it('rejects maxResults outside 1..1000 before sending', async () => {
    const { client, s } = await setup(jobPages(() => ''));
    assert.throws(() => client.listJobs({ maxResults: 1001 }), RangeError);
    assert.equal(s.requests.length, 0);
  });

  it('encodes file paths as one segment and reads ranges, bytes and properties', async () => {
    const fileHeaders = {
      'content-type': 'text/plain',
      'ocp-batch-file-isdirectory': 'False',
      'ocp-batch-file-url': 'http://x/jobs/j%201/tasks/t1/files/wd%2Fout.txt',
      'ocp-creation-time': 'Tue, 01 Jan 2030 00:00:00 GMT',
      'last-modified': 'Tue, 01 Jan 2030 00:00:01 GMT',
    };
    const { client, s } = await setup((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { ...fileHeaders, 'content-length': '11' });
        res.end();
        return;
      }
      res.writeHead(200, fileHeaders);
      res.end(req.headers['ocp-range'] === 'bytes=0-3' ? 'hell' : 'hello world');
    });
    const part = await client.getTaskFile('j 1', 't1', 'wd/out.txt', { range: { start: 0, end: 3 } });
    assert.equal(Buffer.from(part.content).toString(), 'hell');
    assert.equal(part.properties.isDirectory, false);
    assert.equal(part.properties.creationTime, '2030-01-01T00:00:00.000Z');
    const streamed = await client.getTaskFile('j 1', 't1', 'wd/out.txt', { stream: true });
    const chunks: Buffer[] = [];
    for await (const chunk of streamed.content) chunks.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(chunks).toString(), 'hello world');
    const props = await client.getTaskFileProperties('j 1', 't1', 'wd/out.txt');
    assert.equal(props.contentLength, 11);
    assert.equal(s.requests[0]?.rawUrl.split('?')[0], '/jobs/j%201/tasks/t1/files/wd%2Fout.txt');
    assert.equal(s.requests[0]?.headers['ocp-range'], 'bytes=0-3');
    assert.ok(s.requests.every((r) => r.signatureOk));
  });

  it('sends bodies, content types and conditional headers the way the official SDK does', async () => {
    const seen: RecordedRequest[] = [];
    const { client } = await setup((req, res) => {
      seen.push(req);
      const status: Record<string, number> = { PATCH: 200, PUT: 200, DELETE: 202, POST: 202 };
      if (req.path.endsWith('/terminate') && req.path.includes('/tasks/')) return sendJson(res, 204);
      sendJson(res, status[req.method] ?? 200, undefined, { etag: '0x2', dataserviceid: 'http://x/jobs/j1' });
    });
    const patched = await client.updateJob('j1', { priority: 5 }, { ifMatch: '0x1' });
    assert.equal(patched.eTag, '0x2');
    assert.equal(patched.dataServiceId, 'http://x/jobs/j1');
    await client.enableJob('j1');
    await client.terminateJob('j1', { terminateReason: 'done' });
    await client.terminateTask('j1', 't1');
    await client.deleteJob('j1', { ifUnmodifiedSince: new Date(Date.UTC(2030, 0, 1)) });
    const [patch, enable, terminate, terminateTask, del] = seen;
    assert.equal(patch?.method, 'PATCH');
    assert.equal(patch?.headers['if-match'], '0x1');
    assert.equal(patch?.headers['content-type'], 'application/json; odata=minimalmetadata; charset=utf-8');
    assert.deepEqual(patch?.json, { priority: 5 });
    assert.equal(enable?.headers['content-length'], '0');
    assert.equal(enable?.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(terminate?.json, { terminateReason: 'done' });
    assert.equal(terminateTask?.path, '/jobs/j1/tasks/t1/terminate');
    assert.equal(del?.headers['if-unmodified-since'], 'Tue, 01 Jan 2030 00:00:00 GMT');
    assert.equal(del?.headers['content-length'], undefined);
    assert.ok(seen.every((r) => r.signatureOk));
  });

  it('treats a success status other than the documented one as an error', async () => {
    const { client } = await setup((_req, res) => sendJson(res, 200));
    await assert.rejects(client.createJob({ id: 'j1', poolInfo: { poolId: 'p' } }), (error) => {
      assert.ok(isBatchError(error));
      assert.equal(error.statusCode, 200);
      return true;
    });
  });

  it('poolExists answers true for 200 and false for 404', async () => {
    const { client } = await setup((req, res) => {
      res.writeHead(req.path === '/pools/yes' ? 200 : 404, { 'request-id': 'r' });
      res.end();
    });
    assert.equal(await client.poolExists('yes'), true);
    assert.equal(await client.poolExists('no'), false);
  });

  it('reads endpoint and account from BATCHITE_* when options omit them', () => {
    const env = {
      BATCHITE_ENDPOINT: 'http://127.0.0.1:1/acct/',
      BATCHITE_ACCOUNT_NAME: 'a',
      BATCHITE_ACCOUNT_KEY: 'aw==',
    };
    const resolved = resolveClientOptions({}, env);
    assert.equal(resolved.endpoint, 'http://127.0.0.1:1/acct');
    assert.equal(resolved.accountName, 'a');
    assert.equal(resolveClientOptions({ accountName: 'b' }, env).accountName, 'b');
    // Nothing set: the local development server with the well-known account (defaults.test.ts covers the rest).
    assert.equal(resolveClientOptions({}, {}).endpoint, 'http://127.0.0.1:10100');
  });
});
