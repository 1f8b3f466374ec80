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
  type ComputeNodeGetRemoteLoginSettingsResult,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { readJson } from '../http/body.js';
import { baseUrl, setJsonHeaders } from '../http/request-context.js';
import { resourceUrl, sendWrite } from '../http/responses.js';
import { restartNode } from '../services/node-restart.js';
import { disableNodeScheduling, enableNodeScheduling } from '../services/node-scheduling.js';
import { getPool } from '../services/pools-service.js';
import type { ServiceContext } from '../services/service-context.js';
import type { NodeDoc } from '../store/documents.js';
import { validated, type NodeParams } from './route-helpers.js';

/** Batch logs in to Linux nodes over SSH; Batchite answers the standard port on the node's own address. */
export const REMOTE_LOGIN_PORT = 22;

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
