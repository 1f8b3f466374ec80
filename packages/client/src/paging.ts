/**
 * List results as async iterables that follow `odata.nextLink`; every page fetch is its own retried call.
 * `for await (const job of client.listJobs())` yields items; `.byPage()` yields whole pages.
 */
import type { ListResponse } from '@batchite/protocol';
import type { WireRequest } from './http/transport.js';
import type { OperationName } from './operation-policies.js';
import type { ListOptions } from './options.js';
import type { Pipeline } from './pipeline.js';
import type { ResourceIds } from './state-explanations.js';

export interface Page<T> {
  items: T[];
  /** The absolute URL of the next page, absent on the last one. */
  nextLink?: string;
  /** Attempts the page fetch took. */
  attempts: number;
}

export interface PagedAsyncIterable<T> extends AsyncIterable<T> {
  /** Iterates whole pages; `continuationToken` resumes from a page's `nextLink`. */
  byPage(settings?: { continuationToken?: string }): AsyncIterableIterator<Page<T>>;
}

/** Largest page the service returns (`maxresults`). */
export const MAX_PAGE_SIZE = 1000;

/** OData query parameters of a list call, in the order the official SDK sends them. */
export function listQuery(options: ListOptions): [string, string][] {
  const query: [string, string][] = [];
  if (options.filter !== undefined) query.push(['$filter', options.filter]);
  if (options.select !== undefined) query.push(['$select', options.select]);
  if (options.expand !== undefined) query.push(['$expand', options.expand]);
  if (options.maxResults !== undefined) {
    if (
      !Number.isInteger(options.maxResults) ||
      options.maxResults < 1 ||
      options.maxResults > MAX_PAGE_SIZE
    ) {
      throw new RangeError(`maxResults must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    query.push(['maxresults', String(options.maxResults)]);
  }
  return query;
}

export function pagedList<T>(
  pipeline: Pipeline,
  op: OperationName,
  path: string,
  options: ListOptions,
  ids: ResourceIds,
  extraQuery: [string, string][] = [],
): PagedAsyncIterable<T> {
  // Validate now, so a bad maxResults throws at the call site rather than on first iteration.
  const query = [...extraQuery, ...listQuery(options)];
  async function* pages(continuationToken?: string): AsyncIterableIterator<Page<T>> {
    let link: string | undefined = continuationToken;
    let first = continuationToken === undefined;
    while (first || link !== undefined) {
      const request: WireRequest = {
        method: 'GET',
        path,
        ...(first ? { query } : { url: link }),
        expect: [200],
        read: 'json',
      };
      first = false;
      const { response, attempts } = await pipeline.send(op, request, options, ids);
      const body = (response?.body ?? { value: [] }) as ListResponse<T>;
      link = body['odata.nextLink'];
      yield { items: body.value ?? [], attempts, ...(link === undefined ? {} : { nextLink: link }) };
    }
  }
  return {
    byPage: (settings) => pages(settings?.continuationToken),
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page.items;
    },
  };
}
