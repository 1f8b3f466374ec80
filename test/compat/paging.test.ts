/** maxresults pages with an absolute odata.nextLink followed by listNext. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { NO_SUCH_POOL } from '../support/ids.js';
import { sdkClient, type SentRequest } from '../support/sdk.js';
import { withServer } from '../support/server.js';

const JOB_IDS = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
const TASK_IDS = ['t1', 't2', 't3', 't4', 't5'];

interface Page<T> extends Array<T> {
  odatanextLink?: string;
}

/** Follows nextLinks to the end; checks every link is absolute and points at the server the client used. */
async function allPages<T>(
  first: Page<T>,
  next: (link: string) => Promise<Page<T>>,
  serverUrl: string,
  pageSize: number,
): Promise<T[][]> {
  const pages: T[][] = [[...first]];
  let link = first.odatanextLink;
  while (link !== undefined) {
    const url = new URL(link); // throws on a relative link
    assert.equal(
      url.origin,
      new URL(serverUrl).origin,
      'nextLink is absolute, built from the URL the client used',
    );
    assert.ok(pages.length < 10, 'paging terminates');
    const page = await next(link);
    assert.ok(page.length <= pageSize, 'a page never exceeds maxresults');
    pages.push([...page]);
    link = page.odatanextLink;
  }
  return pages;
}

void describe('paging', () => {
  const ctx = withServer();
  let client: BatchServiceClient;

  before(async () => {
    client = sdkClient(ctx.server);
    for (const id of JOB_IDS) await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL } });
    await client.task.addCollection(
      'page-a',
      TASK_IDS.map((id) => ({ id, commandLine: 'true' })),
    );
  });

  void it('jobs: maxresults 2 → 2 per page, absolute nextLink, 5 unique ids in 3 pages', async () => {
    const first = await client.job.list({ jobListOptions: { maxResults: 2 } });
    assert.equal(first.length, 2);
    assert.ok(first.odatanextLink, 'first page has odata.nextLink');
    const pages = await allPages(first, (link) => client.job.listNext(link), ctx.server.url, 2);
    assert.equal(pages.length, 3);
    const ids = pages.flat().map((job) => job.id);
    assert.equal(new Set(ids).size, ids.length, 'no job appears twice');
    assert.deepEqual([...ids].sort(), JOB_IDS);
  });

  void it('tasks: maxresults 2 → 5 unique tasks through listNext; the last page has no nextLink', async () => {
    const first = await client.task.list('page-a', { taskListOptions: { maxResults: 2 } });
    assert.equal(first.length, 2);
    const pages = await allPages(first, (link) => client.task.listNext(link), ctx.server.url, 2);
    const ids = pages.flat().map((task) => task.id);
    assert.deepEqual([...ids].sort(), TASK_IDS);
    assert.equal(new Set(ids).size, 5);
  });

  void it('without maxresults everything fits on one page and there is no nextLink', async () => {
    const all = await client.job.list();
    assert.equal(all.length, 5);
    assert.equal(all.odatanextLink, undefined);
  });

  void it('maxresults equal to the total: one full page, no further page with items', async () => {
    const first = await client.job.list({ jobListOptions: { maxResults: 5 } });
    assert.equal(first.length, 5);
    const pages = await allPages(first, (link) => client.job.listNext(link), ctx.server.url, 5);
    assert.equal(pages.flat().length, 5);
  });

  void it('maxResults 1001 is rejected by the SDK before any request', async () => {
    const sent: SentRequest[] = [];
    const counting = sdkClient(ctx.server, { sent });
    await assert.rejects(counting.job.list({ jobListOptions: { maxResults: 1001 } }));
    assert.equal(sent.length, 0);
  });
});
