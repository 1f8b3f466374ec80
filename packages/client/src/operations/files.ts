/**
 * File operations on a task's or a node's files (Azure Batch REST API, "File" operations); file paths are one
 * encoded segment (`wd%2Fout.txt`).
 */
import type { NodeFile } from '@batchite/protocol';
import { headerDate } from '../http/headers.js';
import type { WireResponse } from '../http/transport.js';
import type { CallOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { OperationName } from '../operation-policies.js';
import type { Pipeline } from '../pipeline.js';
import type { ResourceIds } from '../state-explanations.js';
import { seg, writeResult, type WriteResult } from './common.js';
import { taskPath } from './tasks.js';

/** File reads accept only the two date conditions. */
export interface FileConditionalOptions extends CallOptions {
  ifModifiedSince?: Date | string;
  ifUnmodifiedSince?: Date | string;
}

export interface GetTaskFileOptions extends FileConditionalOptions {
  /** Byte range, inclusive: `{ start: 0, end: 3 }` reads 4 bytes; or a raw `bytes=0-3`. Sent as `ocp-range`. */
  range?: { start: number; end?: number } | string;
  /**
   * Return the body as a stream instead of bytes. A stream is handed over once the headers arrived, so a failure
   * while reading it is not retried; bytes are read inside the attempt, so such a failure is.
   * @defaultValue false
   */
  stream?: boolean;
}

/** Properties of a task file, from the response headers. */
export interface TaskFileProperties {
  contentLength: number;
  contentType?: string;
  isDirectory: boolean;
  url?: string;
  fileMode?: string;
  creationTime?: string;
  lastModified?: string;
  eTag?: string;
  requestId?: string;
}

export interface TaskFile<C> {
  content: C;
  properties: TaskFileProperties;
  attempts: number;
}

function httpDate(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return (typeof value === 'string' ? new Date(value) : value).toUTCString();
}

export function fileHeaders(options: GetTaskFileOptions): Record<string, string | undefined> {
  const range = options.range;
  return {
    'if-modified-since': httpDate(options.ifModifiedSince),
    'if-unmodified-since': httpDate(options.ifUnmodifiedSince),
    'ocp-range':
      range === undefined || typeof range === 'string' ? range : `bytes=${range.start}-${range.end ?? ''}`,
  };
}

export function fileProperties(response: WireResponse): TaskFileProperties {
  const h = response.headers;
  const props: TaskFileProperties = {
    contentLength: Number(h['content-length'] ?? 0),
    isDirectory: (h['ocp-batch-file-isdirectory'] ?? '').toLowerCase() === 'true',
  };
  const set = <K extends keyof TaskFileProperties>(
    key: K,
    value: TaskFileProperties[K] | undefined,
  ): void => {
    if (value !== undefined) props[key] = value;
  };
  set('contentType', h['content-type']);
  set('url', h['ocp-batch-file-url']);
  set('fileMode', h['ocp-batch-file-mode']);
  set('creationTime', headerDate(h['ocp-creation-time'])?.toISOString());
  set('lastModified', headerDate(h['last-modified'])?.toISOString());
  set('eTag', h.etag);
  set('requestId', h['request-id']);
  return props;
}

/**
 * Whose files a call reads: a task's (its directory on the node) or a compute node's (startup/, shared/,
 * workitems/). The same four operations serve both; only the path, the ids and the operation names differ.
 */
export interface FileOwner {
  path: string;
  ids: ResourceIds;
  operations: { list: OperationName; get: OperationName; head: OperationName; delete: OperationName };
}

export function taskFileOwner(jobId: string, taskId: string): FileOwner {
  return {
    path: taskPath(jobId, taskId),
    ids: { jobId, taskId },
    operations: {
      list: 'listTaskFiles',
      get: 'getTaskFile',
      head: 'getTaskFileProperties',
      delete: 'deleteTaskFile',
    },
  };
}

export function nodeFileOwner(poolId: string, nodeId: string): FileOwner {
  return {
    path: `/pools/${seg(poolId)}/nodes/${seg(nodeId)}`,
    ids: { poolId, nodeId },
    operations: {
      list: 'listNodeFiles',
      get: 'getNodeFile',
      head: 'getNodeFileProperties',
      delete: 'deleteNodeFile',
    },
  };
}

const filePath = (owner: FileOwner, path: string): string => `${owner.path}/files/${seg(path)}`;

function recursiveQuery(recursive: boolean | undefined): [string, string][] {
  return recursive === undefined ? [] : [['recursive', String(recursive)]];
}

export function listFiles(
  pipeline: Pipeline,
  owner: FileOwner,
  options: ListOptions & { recursive?: boolean },
): PagedAsyncIterable<NodeFile> {
  // The official SDK puts `recursive` before the OData parameters; same here.
  return pagedList<NodeFile>(
    pipeline,
    owner.operations.list,
    `${owner.path}/files`,
    options,
    owner.ids,
    recursiveQuery(options.recursive),
  );
}

export async function getFile(
  pipeline: Pipeline,
  owner: FileOwner,
  path: string,
  options: GetTaskFileOptions,
): Promise<TaskFile<Uint8Array | ReadableStream<Uint8Array>>> {
  const { response, attempts } = await pipeline.send(
    owner.operations.get,
    {
      method: 'GET',
      path: filePath(owner, path),
      headers: fileHeaders(options),
      expect: [200],
      read: options.stream === true ? 'stream' : 'bytes',
    },
    options,
    { ...owner.ids, filePath: path },
  );
  const wire = response as WireResponse;
  return {
    content: wire.body as Uint8Array | ReadableStream<Uint8Array>,
    properties: fileProperties(wire),
    attempts,
  };
}

export async function getFileProperties(
  pipeline: Pipeline,
  owner: FileOwner,
  path: string,
  options: FileConditionalOptions,
): Promise<TaskFileProperties> {
  const { response } = await pipeline.send(
    owner.operations.head,
    {
      method: 'HEAD',
      path: filePath(owner, path),
      headers: fileHeaders(options),
      expect: [200],
      read: 'none',
    },
    options,
    { ...owner.ids, filePath: path },
  );
  return fileProperties(response as WireResponse);
}

export async function deleteFile(
  pipeline: Pipeline,
  owner: FileOwner,
  path: string,
  options: CallOptions & { recursive?: boolean },
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    owner.operations.delete,
    {
      method: 'DELETE',
      path: filePath(owner, path),
      query: recursiveQuery(options.recursive),
      expect: [200],
      read: 'none',
    },
    options,
    { ...owner.ids, filePath: path },
  );
  return writeResult(response, attempts);
}
