/** Pool and compute-node operations (the Azure Batch REST reference "Pools", "Compute nodes"). */
import type { CloudPool, ComputeNode, PoolAddParameter, PoolResizeParameter } from '@batchite/protocol';
import type { CallOptions, ConditionalOptions, GetOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
import {
  conditionalHeaders,
  entityResult,
  seg,
  selectExpand,
  writeResult,
  type CreateResult,
  type WithResponse,
  type WriteResult,
} from './common.js';
import { createWithReconciliation } from './create.js';

export function createPool(
  pipeline: Pipeline,
  pool: PoolAddParameter,
  options: CallOptions,
): Promise<CreateResult> {
  return createWithReconciliation(
    pipeline,
    {
      op: 'createPool',
      getOp: 'getPool',
      resourcePath: `/pools/${seg(pool.id)}`,
      label: `pool ${pool.id}`,
      request: { method: 'POST', path: '/pools', body: pool, expect: [201], read: 'none' },
      sent: pool,
      ids: { poolId: pool.id },
    },
    options,
  );
}

export async function getPool(
  pipeline: Pipeline,
  poolId: string,
  options: GetOptions,
): Promise<WithResponse<CloudPool>> {
  const { response } = await pipeline.send(
    'getPool',
    {
      method: 'GET',
      path: `/pools/${seg(poolId)}`,
      query: selectExpand(options),
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'json',
    },
    options,
    { poolId },
  );
  return entityResult<CloudPool>(response);
}

/** HEAD /pools/{id}: 200 → true, 404 → false (both are documented answers). */
export async function poolExists(
  pipeline: Pipeline,
  poolId: string,
  options: ConditionalOptions,
): Promise<boolean> {
  const { response } = await pipeline.send(
    'poolExists',
    {
      method: 'HEAD',
      path: `/pools/${seg(poolId)}`,
      headers: conditionalHeaders(options),
      expect: [200, 404],
      read: 'none',
    },
    options,
    { poolId },
  );
  return response?.status === 200;
}

export function listPools(pipeline: Pipeline, options: ListOptions): PagedAsyncIterable<CloudPool> {
  return pagedList<CloudPool>(pipeline, 'listPools', '/pools', options, {});
}

export async function deletePool(
  pipeline: Pipeline,
  poolId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    'deletePool',
    {
      method: 'DELETE',
      path: `/pools/${seg(poolId)}`,
      headers: conditionalHeaders(options),
      expect: [202],
      read: 'none',
    },
    options,
    { poolId },
  );
  return writeResult(response, attempts);
}

export async function resizePool(
  pipeline: Pipeline,
  poolId: string,
  resize: PoolResizeParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    'resizePool',
    {
      method: 'POST',
      path: `/pools/${seg(poolId)}/resize`,
      body: resize,
      headers: conditionalHeaders(options),
      expect: [202],
      read: 'none',
    },
    options,
    { poolId },
  );
  return writeResult(response, attempts);
}

export function listNodes(
  pipeline: Pipeline,
  poolId: string,
  options: ListOptions,
): PagedAsyncIterable<ComputeNode> {
  return pagedList<ComputeNode>(pipeline, 'listNodes', `/pools/${seg(poolId)}/nodes`, options, { poolId });
}

export async function getNode(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  options: GetOptions,
): Promise<WithResponse<ComputeNode>> {
  const { response } = await pipeline.send(
    'getNode',
    {
      method: 'GET',
      path: `/pools/${seg(poolId)}/nodes/${seg(nodeId)}`,
      query: selectExpand(options),
      expect: [200],
      read: 'json',
    },
    options,
    { poolId, nodeId },
  );
  return entityResult<ComputeNode>(response);
}
