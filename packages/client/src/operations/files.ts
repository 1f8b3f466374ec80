/** Task file operations (Azure Batch REST API, "File" operations); file paths are one encoded segment (`wd%2Fout.txt`). */
import type { NodeFile } from '@batchite/protocol';
import { headerDate } from '../http/headers.js';
import type { WireResponse } from '../http/transport.js';
import type { CallOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
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

const filePath = (jobId: string, taskId: string, path: string): string =>
  `${taskPath(jobId, taskId)}/files/${seg(path)}`;

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

export function listTaskFiles(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: ListOptions & { recursive?: boolean },
): PagedAsyncIterable<NodeFile> {
  // The official SDK puts `recursive` before the OData parameters; same here.
  const extra: [string, string][] =
    options.recursive === undefined ? [] : [['recursive', String(options.recursive)]];
  return pagedList<NodeFile>(
    pipeline,
    'listTaskFiles',
    `${taskPath(jobId, taskId)}/files`,
    options,
    { jobId, taskId },
    extra,
  );
}

export async function getTaskFile(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  path: string,
  options: GetTaskFileOptions,
): Promise<TaskFile<Uint8Array | ReadableStream<Uint8Array>>> {
  const { response, attempts } = await pipeline.send(
    'getTaskFile',
    {
      method: 'GET',
      path: filePath(jobId, taskId, path),
      headers: fileHeaders(options),
      expect: [200],
      read: options.stream === true ? 'stream' : 'bytes',
    },
    options,
    { jobId, taskId, filePath: path },
  );
  const wire = response as WireResponse;
  return {
    content: wire.body as Uint8Array | ReadableStream<Uint8Array>,
    properties: fileProperties(wire),
    attempts,
  };
}

export async function getTaskFileProperties(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  path: string,
  options: FileConditionalOptions,
): Promise<TaskFileProperties> {
  const { response } = await pipeline.send(
    'getTaskFileProperties',
    {
      method: 'HEAD',
      path: filePath(jobId, taskId, path),
      headers: fileHeaders(options),
      expect: [200],
      read: 'none',
    },
    options,
    { jobId, taskId, filePath: path },
  );
  return fileProperties(response as WireResponse);
}

export async function deleteTaskFile(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  path: string,
  options: CallOptions & { recursive?: boolean },
): Promise<WriteResult> {
  const query: [string, string][] =
    options.recursive === undefined ? [] : [['recursive', String(options.recursive)]];
  const { response, attempts } = await pipeline.send(
    'deleteTaskFile',
    { method: 'DELETE', path: filePath(jobId, taskId, path), query, expect: [200], read: 'none' },
    options,
    { jobId, taskId, filePath: path },
  );
  return writeResult(response, attempts);
}
