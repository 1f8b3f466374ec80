/**
 * Batch operations on one compute node (Azure Batch REST reference: Compute Node - Reboot, Reimage, Disable
 * Scheduling, Enable Scheduling, Get Remote Login Settings). Reboot and reimage answer 202 Accepted and carry on
 * in the background (node-restart.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  validateNodeDisableScheduling,
  validateNodeReboot,
  validateNodeReimage,
  validateNodeUserAdd,
  validateNodeUserUpdate,
  type ComputeNodeGetRemoteLoginSettingsResult,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { readJson } from '../http/body.js';
import { baseUrl, queryParams, setJsonHeaders } from '../http/request-context.js';
import { resourceUrl, sendWrite } from '../http/responses.js';
import { restartNode } from '../services/node-restart.js';
import { disableNodeScheduling, enableNodeScheduling } from '../services/node-scheduling.js';
import { addNodeUser, DEFAULT_NODE_USERS, deleteNodeUser, updateNodeUser } from '../services/node-users.js';
import { getPool } from '../services/pools-service.js';
import type { ServiceContext } from '../services/service-context.js';
import type { NodeDoc } from '../store/documents.js';
import { validated, type NodeParams } from './route-helpers.js';

/** Batch logs in to Linux nodes over SSH; Batchite answers the standard port on the node's own address. */
export const REMOTE_LOGIN_PORT = 22;

interface NodeUserParams extends NodeParams {
  userName: string;
}

/** How long a call may wait for the agent: the request's `timeout` (seconds), at most 30 s as in Batch. */
function requestWaitMs(request: FastifyRequest): number {
  const seconds = Number(queryParams(request).get('timeout') ?? Number.NaN);
  const max = DEFAULT_NODE_USERS.maxWaitMs;
  return Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds * 1000, max) : max;
}

function nodeUrl(request: FastifyRequest, params: NodeParams): string {
  return resourceUrl(request, `/pools/${params.poolId}/nodes/${params.nodeId}`);
}

async function findNode(context: ServiceContext, params: NodeParams): Promise<NodeDoc> {
  const pool = await getPool(context, params.poolId);
  const node = await context.store.getNode(pool.entity.id, params.nodeId);
  if (node === undefined) throw apiError('NodeNotFound');
  return node;
}

export function registerNodeOperationRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post<{ Params: NodeParams }>('/pools/:poolId/nodes/:nodeId/reboot', async (request, reply) => {
    const param = validated(validateNodeReboot(readJson(request, false)));
    const { poolId, nodeId } = request.params;
    const node = await restartNode(context, poolId, nodeId, 'reboot', param.nodeRebootOption);
    const dataServiceId = resourceUrl(request, `/pools/${node.poolId}/nodes/${node.entity.id}`);
    return sendWrite(reply, 202, { dataServiceId });
  });

  app.post<{ Params: NodeParams }>('/pools/:poolId/nodes/:nodeId/reimage', async (request, reply) => {
    const param = validated(validateNodeReimage(readJson(request, false)));
    const { poolId, nodeId } = request.params;
    const node = await restartNode(context, poolId, nodeId, 'reimage', param.nodeReimageOption);
    const dataServiceId = resourceUrl(request, `/pools/${node.poolId}/nodes/${node.entity.id}`);
    return sendWrite(reply, 202, { dataServiceId });
  });

  app.post<{ Params: NodeParams }>(
    '/pools/:poolId/nodes/:nodeId/disablescheduling',
    async (request, reply) => {
      const param = validated(validateNodeDisableScheduling(readJson(request, false)));
      const { poolId, nodeId } = request.params;
      await disableNodeScheduling(context, poolId, nodeId, param.nodeDisableSchedulingOption);
      return sendWrite(reply, 200, { dataServiceId: nodeUrl(request, request.params) });
    },
  );

  app.post<{ Params: NodeParams }>(
    '/pools/:poolId/nodes/:nodeId/enablescheduling',
    async (request, reply) => {
      await enableNodeScheduling(context, request.params.poolId, request.params.nodeId);
      return sendWrite(reply, 200, { dataServiceId: nodeUrl(request, request.params) });
    },
  );

  app.post<{ Params: NodeParams }>('/pools/:poolId/nodes/:nodeId/users', async (request, reply) => {
    const user = validated(validateNodeUserAdd(readJson(request, true)));
    await addNodeUser(context, request.params, user, requestWaitMs(request));
    const dataServiceId = resourceUrl(
      request,
      `/pools/${request.params.poolId}/nodes/${request.params.nodeId}/users/${user.name}`,
    );
    return sendWrite(reply, 201, { dataServiceId });
  });

  app.put<{ Params: NodeUserParams }>(
    '/pools/:poolId/nodes/:nodeId/users/:userName',
    async (request, reply) => {
      const body = validated(validateNodeUserUpdate(readJson(request, true)));
      await updateNodeUser(context, request.params, body, requestWaitMs(request));
      const { poolId, nodeId, userName } = request.params;
      const path = `/pools/${poolId}/nodes/${nodeId}/users/${userName}`;
      return sendWrite(reply, 200, { dataServiceId: resourceUrl(request, path) });
    },
  );

  app.delete<{ Params: NodeUserParams }>(
    '/pools/:poolId/nodes/:nodeId/users/:userName',
    async (request, reply) => {
      await deleteNodeUser(context, request.params, requestWaitMs(request));
      return sendWrite(reply, 200);
    },
  );

  app.get<{ Params: NodeParams }>(
    '/pools/:poolId/nodes/:nodeId/remoteloginsettings',
    async (request, reply) => {
      const node = await findNode(context, request.params);
      const settings: ComputeNodeGetRemoteLoginSettingsResult = {
        remoteLoginIPAddress: node.entity.ipAddress ?? '127.0.0.1',
        remoteLoginPort: REMOTE_LOGIN_PORT,
      };
      setJsonHeaders(reply);
      const metadata = `${baseUrl(request)}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.ComputeNodeGetRemoteLoginSettingsResult`;
      return reply.code(200).send(JSON.stringify({ 'odata.metadata': metadata, ...settings }));
    },
  );
}
