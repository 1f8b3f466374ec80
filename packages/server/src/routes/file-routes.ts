import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_FILTER_SCHEMA } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { checkConditions } from '../http/conditions.js';
import { header, queryParams } from '../http/request-context.js';
import { resourceUrl, sendList, sendWrite } from '../http/responses.js';
import type { ServiceContext } from '../services/service-context.js';
import { parseOcpRange } from '@batchite/protocol/task-files';
import { taskFilesFor, type FileInfo, type TaskFiles } from '../services/task-file-sources.js';
import { nodeFilesFor } from '../services/node-file-sources.js';
import { getTask } from '../services/tasks-service.js';
import { filterMatcher, readFilter, type NodeParams, type TaskParams } from './route-helpers.js';

/**
 * The `{filePath}` segment, percent-decoded from the raw URL. The 10.x SDK sends `wd/out.txt` as `wd%2Fout.txt`;
 * a literal `/` is accepted too.
 */
function filePathOf(request: FastifyRequest): string {
  const raw = (request.raw.url ?? '').split('?')[0] ?? '';
  const marker = raw.indexOf('/files/');
  const encoded = marker === -1 ? '' : raw.slice(marker + '/files/'.length);
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw apiError('FileNotFound');
  }
}

/** One file API: the task files or the node files, each with its routes, source and file URLs. */
interface FileSurface<P> {
  /** Route prefix up to `/files`. */
  route: string;
  filesOf(context: ServiceContext, params: P): Promise<TaskFiles>;
  /** The resource path of the directory (`/jobs/j/tasks/t`, `/pools/p/nodes/n`). */
  pathOf(params: P): string;
}

const TASK_FILES: FileSurface<TaskParams> = {
  route: '/jobs/:jobId/tasks/:taskId',
  filesOf: async (context, params) =>
    taskFilesFor(context, await getTask(context, params.jobId, params.taskId)),
  pathOf: (params) => `/jobs/${params.jobId}/tasks/${params.taskId}`,
};

const NODE_FILES: FileSurface<NodeParams> = {
  route: '/pools/:poolId/nodes/:nodeId',
  filesOf: (context, params) => nodeFilesFor(context, params.poolId, params.nodeId),
  pathOf: (params) => `/pools/${params.poolId}/nodes/${params.nodeId}`,
};

function fileUrl<P>(request: FastifyRequest, surface: FileSurface<P>, params: P, name: string): string {
  return resourceUrl(request, `${surface.pathOf(params)}/files/${encodeURIComponent(name)}`);
}

function fileMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function fileHeaders<P>(
  request: FastifyRequest<{ Params: P }>,
  reply: FastifyReply,
  surface: FileSurface<P>,
  name: string,
  info: FileInfo,
) {
  checkConditions(request, { lastModified: info.modifiedAt }, 'read');
  reply.header('ocp-creation-time', info.createdAt.toUTCString());
  reply.header('ocp-batch-file-isdirectory', String(info.isDirectory));
  reply.header('ocp-batch-file-url', fileUrl(request, surface, request.params, name));
  reply.header('ocp-batch-file-mode', fileMode(info.mode));
  reply.header('last-modified', info.modifiedAt.toUTCString());
  reply.header('content-type', 'application/octet-stream');
}

export function registerFileRoutes(app: FastifyInstance, context: ServiceContext): void {
  registerSurface(app, context, TASK_FILES);
  registerSurface(app, context, NODE_FILES);
}

function registerSurface<P extends object>(
  app: FastifyInstance,
  context: ServiceContext,
  surface: FileSurface<P>,
): void {
  const filesOf = (params: P) => surface.filesOf(context, params);
  app.get<{ Params: P }>(`${surface.route}/files`, async (request, reply) => {
    const files = await filesOf(request.params as P);
    const matches = filterMatcher(readFilter(request, FILE_FILTER_SCHEMA));
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    const listed = (await files.list(recursive))
      .map((entry) => ({
        name: entry.name,
        url: fileUrl(request, surface, request.params, entry.name),
        isDirectory: entry.isDirectory,
        properties: {
          creationTime: entry.createdAt.toISOString(),
          lastModified: entry.modifiedAt.toISOString(),
          contentLength: entry.size,
          contentType: 'application/octet-stream',
          fileMode: fileMode(entry.mode),
        },
      }))
      .filter((file) => matches(file));
    return sendList(request, reply, 'files', listed, undefined);
  });

  app.get<{ Params: P }>(`${surface.route}/files/*`, async (request, reply) => {
    const files = await filesOf(request.params as P);
    const name = filePathOf(request);
    const info = await files.stat(name);
    if (info.isDirectory) throw apiError('FileNotFound', { message: 'The specified path is a directory.' });
    fileHeaders(request, reply, surface, name, info);
    const range = parseOcpRange(header(request, 'ocp-range'), info.size);
    const length = range === undefined ? info.size : range.end - range.start + 1;
    reply.header('content-length', String(length));
    // Ranged reads still answer 200: the 10.x SDK accepts no other status (Azure Batch REST reference).
    if (length === 0) return reply.code(200).send('');
    return reply.code(200).send(await files.read(name, range));
  });

  app.head<{ Params: P }>(`${surface.route}/files/*`, async (request, reply) => {
    const files = await filesOf(request.params as P);
    const name = filePathOf(request);
    const info = await files.stat(name);
    fileHeaders(request, reply, surface, name, info);
    reply.header('content-length', String(info.size));
    return reply.code(200).send();
  });

  app.delete<{ Params: P }>(`${surface.route}/files/*`, async (request, reply) => {
    const files = await filesOf(request.params as P);
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    await files.remove(filePathOf(request), recursive);
    return sendWrite(reply, 200);
  });
}
