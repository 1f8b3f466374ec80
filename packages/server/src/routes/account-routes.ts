/**
 * Account-level operations: pool node counts, pool usage metrics, supported images, applications and the
 * retired certificates.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  canonicalInstant,
  idKey,
  NODE_AGENT_SKU_FILTER_SCHEMA,
  POOL_NODE_COUNTS_FILTER_SCHEMA,
  POOL_USAGE_METRICS_FILTER_SCHEMA,
  SUPPORTED_IMAGE_FILTER_SCHEMA,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { queryParams } from '../http/request-context.js';
import { sendList } from '../http/responses.js';
import { poolNodeCounts } from '../services/node-counts.js';
import { usageMetrics, usageWindow } from '../services/pool-usage-metrics.js';
import type { ServiceContext } from '../services/service-context.js';
import { nodeAgentSkus, supportedImages } from '../services/supported-images.js';
import { registerCertificateRoutes } from './certificate-routes.js';
import { filterMatcher, readFilter } from './route-helpers.js';

/** A page of an in-memory list ordered by `key`, continuing after the request's continuation key. */
function pageOf<T>(
  request: FastifyRequest,
  items: readonly { key: string; item: T }[],
  matches: (item: T) => boolean,
) {
  const page = readPageRequest(request);
  const after = page.afterKey;
  const left = items.filter(({ key, item }) => (after === undefined || key > after) && matches(item));
  const shown = left.slice(0, page.maxResults);
  const last = shown.at(-1);
  const next = left.length > shown.length && last !== undefined ? nextPageLink(request, last.key) : undefined;
  return { items: shown.map(({ item }) => item), next };
}

/** `starttime` / `endtime` as epoch ms; a value that is no date-time is 400 InvalidQueryParameterValue. */
function readTimeParam(request: FastifyRequest, name: string): number | undefined {
  const text = queryParams(request).get(name);
  if (text === null || text === '') return undefined;
  const canonical = canonicalInstant(text);
  if (canonical === undefined) {
    throw apiError('InvalidQueryParameterValue', {
      values: [
        { key: 'QueryParameterName', value: name },
        { key: 'QueryParameterValue', value: text },
        { key: 'Reason', value: `${name} must be an ISO-8601 date-time.` },
      ],
    });
  }
  return Date.parse(canonical);
}

export function registerAccountRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/nodecounts', async (request, reply) => {
    const matches = filterMatcher(readFilter(request, POOL_NODE_COUNTS_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) =>
        context.store.listPools({ limit, ...(afterKey === undefined ? {} : { afterKey }) }),
      (pool) => idKey(pool.entity.id),
      (pool) => matches({ poolId: pool.entity.id }),
      readPageRequest(request),
    );
    const poolIds = page.items.map((pool) => pool.entity.id);
    const rows = poolIds.length === 0 ? [] : await context.store.countNodesByState(poolIds);
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    return sendList(request, reply, 'poolnodecounts', poolNodeCounts(poolIds, rows), next);
  });

  app.get('/poolusagemetrics', async (request, reply) => {
    const startMs = readTimeParam(request, 'starttime');
    const endMs = readTimeParam(request, 'endtime');
    if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
      throw apiError('InvalidQueryParameterValue', {
        values: [
          { key: 'QueryParameterName', value: 'endtime' },
          { key: 'QueryParameterValue', value: queryParams(request).get('endtime') ?? '' },
          { key: 'Reason', value: 'endtime must not be before starttime.' },
        ],
      });
    }
    const matches = filterMatcher(readFilter(request, POOL_USAGE_METRICS_FILTER_SCHEMA));
    const now = context.clock.now();
    const window = usageWindow(now, startMs, endMs);
    const records =
      window.toMs > window.fromMs ? await context.store.listNodeUsage(window.fromMs, window.toMs) : [];
    const entries = usageMetrics(records, window, now).map(({ key, metrics }) => ({ key, item: metrics }));
    const page = pageOf(request, entries, matches);
    return sendList(request, reply, 'poolusagemetrics', page.items, page.next);
  });

  app.get('/supportedimages', async (request, reply) => {
    const matches = filterMatcher(readFilter(request, SUPPORTED_IMAGE_FILTER_SCHEMA));
    const images = supportedImages().map((image) => ({ key: idKey(image.nodeAgentSKUId), item: image }));
    const page = pageOf(request, images, matches);
    return sendList(request, reply, 'supportedimages', page.items, page.next);
  });

  app.get('/nodeagentskus', async (request, reply) => {
    const matches = filterMatcher(readFilter(request, NODE_AGENT_SKU_FILTER_SCHEMA));
    const skus = nodeAgentSkus().map((sku) => ({ key: idKey(sku.id), item: sku }));
    const page = pageOf(request, skus, matches);
    return sendList(request, reply, 'nodeagentskus', page.items, page.next);
  });

  // Batchite has no application packages (docs/compatibility.md): the list is empty, every id unknown.
  app.get('/applications', async (request, reply) => {
    readPageRequest(request);
    return sendList(request, reply, 'applications', [], undefined);
  });

  app.get('/applications/:applicationId', () => Promise.reject(apiError('ApplicationNotFound')));

  registerCertificateRoutes(app);
}
