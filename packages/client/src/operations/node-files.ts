/** Node file operations (Azure Batch REST API, "File" operations on compute nodes): the node's startup/, shared/, workitems/. */
import type { NodeFile } from '@batchite/protocol';
import type { WireResponse } from '../http/transport.js';
import type { CallOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
import { seg, writeResult, type WriteResult } from './common.js';
import {
  fileHeaders,
  fileProperties,
  type FileConditionalOptions,
  type GetTaskFileOptions,
  type TaskFile,
  type TaskFileProperties,
} from './files.js';

const nodePath = (poolId: string, nodeId: string): string => `/pools/${seg(poolId)}/nodes/${seg(nodeId)}`;
const filePath = (poolId: string, nodeId: string, path: string): string =>
  `${nodePath(poolId, nodeId)}/files/${seg(path)}`;

export function listNodeFiles(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  options: ListOptions & { recursive?: boolean },
): PagedAsyncIterable<NodeFile> {
  const extra: [string, string][] =
    options.recursive === undefined ? [] : [['recursive', String(options.recursive)]];
  const path = `${nodePath(poolId, nodeId)}/files`;
  return pagedList<NodeFile>(pipeline, 'listNodeFiles', path, options, { poolId, nodeId }, extra);
}

export async function getNodeFile(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  path: string,
  options: GetTaskFileOptions,
): Promise<TaskFile<Uint8Array | ReadableStream<Uint8Array>>> {
  const { response, attempts } = await pipeline.send(
    'getNodeFile',
    {
      method: 'GET',
      path: filePath(poolId, nodeId, path),
      headers: fileHeaders(options),
      expect: [200],
      read: options.stream === true ? 'stream' : 'bytes',
    },
    options,
    { poolId, nodeId, filePath: path },
  );
  const wire = response as WireResponse;
  return {
    content: wire.body as Uint8Array | ReadableStream<Uint8Array>,
    properties: fileProperties(wire),
    attempts,
  };
}

export async function getNodeFileProperties(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  path: string,
  options: FileConditionalOptions,
): Promise<TaskFileProperties> {
  const { response } = await pipeline.send(
    'getNodeFileProperties',
    {
      method: 'HEAD',
      path: filePath(poolId, nodeId, path),
      headers: fileHeaders(options),
      expect: [200],
      read: 'none',
    },
    options,
    { poolId, nodeId, filePath: path },
  );
  return fileProperties(response as WireResponse);
}

export async function deleteNodeFile(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  path: string,
  options: CallOptions & { recursive?: boolean },
): Promise<WriteResult> {
  const query: [string, string][] =
    options.recursive === undefined ? [] : [['recursive', String(options.recursive)]];
  const { response, attempts } = await pipeline.send(
    'deleteNodeFile',
    { method: 'DELETE', path: filePath(poolId, nodeId, path), query, expect: [200], read: 'none' },
    options,
    { poolId, nodeId, filePath: path },
  );
  return writeResult(response, attempts);
}
