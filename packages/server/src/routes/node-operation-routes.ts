/** Compute Node - Reboot and Reimage (node-restart.ts): 202 Accepted, the restart carries on in the background. */
import type { FastifyInstance } from 'fastify';
import { validateNodeReboot, validateNodeReimage } from '@batchite/protocol';
import { readJson } from '../http/body.js';
import { resourceUrl, sendWrite } from '../http/responses.js';
import { restartNode } from '../services/node-restart.js';
import type { ServiceContext } from '../services/service-context.js';
import { validated, type NodeParams } from './route-helpers.js';

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
}
