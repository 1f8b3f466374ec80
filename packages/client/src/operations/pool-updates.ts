/** Pool update operations (the Azure Batch REST reference "Pool - Patch", "Update Properties", "Stop Resize", "Remove Nodes"). */
import type {
  NodeRemoveParameter,
  PoolPatchParameter,
  PoolUpdatePropertiesParameter,
} from '@batchite/protocol';
import type { ConditionalOptions } from '../options.js';
import type { Pipeline } from '../pipeline.js';
import { conditionalHeaders, seg, writeResult, type WriteResult } from './common.js';

type PoolUpdateOp = 'patchPool' | 'updatePoolProperties' | 'stopPoolResize' | 'removeNodes';

async function poolWrite(
  pipeline: Pipeline,
  op: PoolUpdateOp,
  request: { method: 'PATCH' | 'POST'; path: string; body?: unknown; expect: number },
  poolId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    op,
    {
      method: request.method,
      path: request.path,
      ...(request.body === undefined ? {} : { body: request.body }),
      headers: conditionalHeaders(options),
      expect: [request.expect],
      read: 'none',
    },
    options,
    { poolId },
  );
  return writeResult(response, attempts);
}

/** Replaces the properties `patch` names; the others are kept. */
export function patchPool(
  pipeline: Pipeline,
  poolId: string,
  patch: PoolPatchParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const path = `/pools/${seg(poolId)}`;
  return poolWrite(
    pipeline,
    'patchPool',
    { method: 'PATCH', path, body: patch, expect: 200 },
    poolId,
    options,
  );
}

/** Replaces every updatable property (an absent start task removes it). */
export function updatePoolProperties(
  pipeline: Pipeline,
  poolId: string,
  properties: PoolUpdatePropertiesParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const path = `/pools/${seg(poolId)}/updateproperties`;
  const request = { method: 'POST', path, body: properties, expect: 204 } as const;
  return poolWrite(pipeline, 'updatePoolProperties', request, poolId, options);
}

export function stopPoolResize(
  pipeline: Pipeline,
  poolId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const path = `/pools/${seg(poolId)}/stopresize`;
  return poolWrite(pipeline, 'stopPoolResize', { method: 'POST', path, expect: 202 }, poolId, options);
}

export function removeNodes(
  pipeline: Pipeline,
  poolId: string,
  removal: NodeRemoveParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const path = `/pools/${seg(poolId)}/removenodes`;
  const request = { method: 'POST', path, body: removal, expect: 202 } as const;
  return poolWrite(pipeline, 'removeNodes', request, poolId, options);
}
