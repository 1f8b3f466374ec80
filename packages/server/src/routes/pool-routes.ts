import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  idKey,
  NODE_FILTER_SCHEMA,
  POOL_FILTER_SCHEMA,
  type UserAccount,
  validateNodeRemove,
  validatePoolAdd,
  validatePoolEnableAutoScale,
  validatePoolEvaluateAutoScale,
  validatePoolPatch,
  validatePoolResize,
  validatePoolUpdateProperties,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { readJson } from '../http/body.js';
import { checkConditions } from '../http/conditions.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { expandsStats } from '../http/expand.js';
import { resourceUrl, sendEntity, sendList, sendWrite, versionHeaders } from '../http/responses.js';
import * as autoscale from '../services/pool-autoscale.js';
import * as updates from '../services/pool-updates.js';
import * as pools from '../services/pools-service.js';
import type { ServiceContext } from '../services/service-context.js';
import { poolStatistics, poolStatsOf, type PoolStatsOf } from '../services/statistics.js';
import type { NodeDoc, PoolDoc } from '../store/documents.js';
import {
  conditionCheck,
  filterMatcher,
  readFilter,
  validated,
  type NodeParams,
  type PoolParams,
} from './route-helpers.js';

function poolUrl(request: FastifyRequest, poolId: string): string {
  return resourceUrl(request, `/pools/${poolId}`);
}

/** A user account as a pool shows it: never its password or SSH private key (Batch does not return them). */
function withoutSecrets(account: UserAccount): Omit<UserAccount, 'password'> {
  const { password: _password, linuxUserConfiguration, ...rest } = account;
  if (linuxUserConfiguration === undefined) return rest;
  const { sshPrivateKey: _key, ...linux } = linuxUserConfiguration;
  return { ...rest, linuxUserConfiguration: linux };
}

function presentPool(request: FastifyRequest, pool: PoolDoc, stats?: PoolStatsOf) {
  const { userAccounts, ...entity } = pool.entity;
  const url = poolUrl(request, pool.entity.id);
  const range = {
    startTime: pool.entity.creationTime ?? stats?.now ?? '',
    coreMs: stats?.coreMs(pool) ?? 0,
  };
  return {
    ...entity,
    ...(userAccounts === undefined ? {} : { userAccounts: userAccounts.map(withoutSecrets) }),
    url,
    ...(stats === undefined ? {} : { stats: poolStatistics(`${url}/stats`, stats.totals(pool), range) }),
  };
}

/** What the store keeps on a node besides the `ComputeNode` model. */
type StoredNode = NodeDoc['entity'] & {
  eTag?: string;
  lastModified?: string;
  previousState?: string;
  previousStateTransitionTime?: string;
};

/**
 * A node as Batch's `ComputeNode` shows it: the version and the previous state Batchite keeps for its own use are
 * not properties of that model (the ETag and Last-Modified of a node go in headers only).
 */
function presentNode(request: FastifyRequest, node: NodeDoc) {
  const {
    eTag: _eTag,
    lastModified: _lastModified,
    previousState: _previousState,
    previousStateTransitionTime: _previousTime,
    ...entity
  } = node.entity as StoredNode;
  return { ...entity, url: resourceUrl(request, `/pools/${node.poolId}/nodes/${node.entity.id}`) };
}

export function registerPoolRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post('/pools', async (request, reply) => {
    const param = validated(validatePoolAdd(readJson(request, true)));
    const pool = await pools.addPool(context, param);
    return sendWrite(reply, 201, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.get('/pools', async (request, reply) => {
    const expand = expandsStats(request);
    const matches = filterMatcher(readFilter(request, POOL_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) =>
        context.store.listPools({ limit, ...(afterKey === undefined ? {} : { afterKey }) }),
      (pool) => idKey(pool.entity.id),
      (pool) => matches(pool.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    const stats = expand ? await poolStatsOf(context, page.items) : undefined;
    return sendList(
      request,
      reply,
      'pools',
      page.items.map((pool) => presentPool(request, pool, stats)),
      next,
    );
  });

  app.get<{ Params: PoolParams }>('/pools/:poolId', async (request, reply) => {
    const expand = expandsStats(request);
    const pool = await pools.getPool(context, request.params.poolId);
    checkConditions(request, pool.entity, 'read');
    const stats = expand ? await poolStatsOf(context, [pool]) : undefined;
    return sendEntity(request, reply, 'pools', presentPool(request, pool, stats));
  });

  // HEAD answers 200 or 404 with no body; the SDK maps them to true / false.
  app.head<{ Params: PoolParams }>('/pools/:poolId', async (request, reply) => {
    const pool = await pools.getPool(context, request.params.poolId);
    checkConditions(request, pool.entity, 'read');
    versionHeaders(reply, pool.entity);
    return reply.code(200).send();
  });

  app.delete<{ Params: PoolParams }>('/pools/:poolId', async (request, reply) => {
    await pools.deletePool(context, request.params.poolId, conditionCheck(request));
    return sendWrite(reply, 202);
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/resize', async (request, reply) => {
    const param = validated(validatePoolResize(readJson(request, true)));
    const pool = await pools.resizePool(context, request.params.poolId, param, conditionCheck(request));
    return sendWrite(reply, 202, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.patch<{ Params: PoolParams }>('/pools/:poolId', async (request, reply) => {
    const param = validated(validatePoolPatch(readJson(request, true)));
    const pool = await updates.patchPool(context, request.params.poolId, param, conditionCheck(request));
    return sendWrite(reply, 200, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/updateproperties', async (request, reply) => {
    const param = validated(validatePoolUpdateProperties(readJson(request, true)));
    const { poolId } = request.params;
    const pool = await updates.updatePoolProperties(context, poolId, param, conditionCheck(request));
    return sendWrite(reply, 204, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/stopresize', async (request, reply) => {
    const pool = await updates.stopPoolResize(context, request.params.poolId, conditionCheck(request));
    return sendWrite(reply, 202, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/removenodes', async (request, reply) => {
    const param = validated(validateNodeRemove(readJson(request, true)));
    const { poolId } = request.params;
    const pool = await updates.removePoolNodes(context, poolId, param, conditionCheck(request));
    return sendWrite(reply, 202, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/enableautoscale', async (request, reply) => {
    const param = validated(validatePoolEnableAutoScale(readJson(request, true)));
    const { poolId } = request.params;
    const pool = await autoscale.enableAutoScale(context, poolId, param, conditionCheck(request));
    return sendWrite(reply, 200, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/disableautoscale', async (request, reply) => {
    const pool = await autoscale.disableAutoScale(context, request.params.poolId, conditionCheck(request));
    return sendWrite(reply, 200, { entity: pool.entity, dataServiceId: poolUrl(request, pool.entity.id) });
  });

  app.post<{ Params: PoolParams }>('/pools/:poolId/evaluateautoscale', async (request, reply) => {
    const param = validated(validatePoolEvaluateAutoScale(readJson(request, true)));
    const run = await autoscale.evaluateAutoScale(context, request.params.poolId, param.autoScaleFormula);
    reply.header('dataserviceid', poolUrl(request, request.params.poolId));
    return reply.code(200).send(run);
  });

  app.get<{ Params: PoolParams }>('/pools/:poolId/nodes', async (request, reply) => {
    const pool = await pools.getPool(context, request.params.poolId);
    const matches = filterMatcher(readFilter(request, NODE_FILTER_SCHEMA));
    const page = await collectPage(
      (afterKey, limit) =>
        context.store.listNodes(pool.entity.id, { limit, ...(afterKey === undefined ? {} : { afterKey }) }),
      (node) => idKey(node.entity.id),
      (node) => matches(node.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    return sendList(
      request,
      reply,
      'nodes',
      page.items.map((node) => presentNode(request, node)),
      next,
    );
  });

  app.get<{ Params: NodeParams }>('/pools/:poolId/nodes/:nodeId', async (request, reply) => {
    const pool = await pools.getPool(context, request.params.poolId);
    const node = await context.store.getNode(pool.entity.id, request.params.nodeId);
    if (node === undefined) throw apiError('NodeNotFound');
    versionHeaders(reply, node.entity as StoredNode);
    return sendEntity(request, reply, 'nodes', presentNode(request, node));
  });
}
