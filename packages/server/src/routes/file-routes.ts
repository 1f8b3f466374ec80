import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_FILTER_SCHEMA } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { checkConditions } from '../http/conditions.js';
import { header, queryParams } from '../http/request-context.js';
import { resourceUrl, sendList, sendWrite } from '../http/responses.js';
import type { ServiceContext } from '../services/service-context.js';
import { parseOcpRange } from '@batchite/protocol/task-files';
import { taskFilesFor, type FileInfo, type TaskFiles } from '../services/task-file-sources.js';
import { getTask } from '../services/tasks-service.js';
import { filterMatcher, readFilter, type TaskParams } from './route-helpers.js';

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

function fileUrl(request: FastifyRequest, params: TaskParams, name: string): string {
  return resourceUrl(
    request,
    `/jobs/${params.jobId}/tasks/${params.taskId}/files/${encodeURIComponent(name)}`,
  );
}

function fileMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

async function filesOf(context: ServiceContext, params: TaskParams): Promise<TaskFiles> {
  return taskFilesFor(context, await getTask(context, params.jobId, params.taskId));
}

function fileHeaders(
  request: FastifyRequest<{ Params: TaskParams }>,
  reply: FastifyReply,
  name: string,
  info: FileInfo,
) {
  checkConditions(request, { lastModified: info.modifiedAt }, 'read');
  reply.header('ocp-creation-time', info.createdAt.toUTCString());
  reply.header('ocp-batch-file-isdirectory', String(info.isDirectory));
  reply.header('ocp-batch-file-url', fileUrl(request, request.params, name));
  reply.header('ocp-batch-file-mode', fileMode(info.mode));
  reply.header('last-modified', info.modifiedAt.toUTCString());
  reply.header('content-type', 'application/octet-stream');
}

export function registerFileRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files', async (request, reply) => {
    const files = await filesOf(context, request.params);
    const matches = filterMatcher(readFilter(request, FILE_FILTER_SCHEMA));
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    const listed = (await files.list(recursive))
      .map((entry) => ({
        name: entry.name,
        url: fileUrl(request, request.params, entry.name),
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

  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const files = await filesOf(context, request.params);
    const name = filePathOf(request);
    const info = await files.stat(name);
    if (info.isDirectory) throw apiError('FileNotFound', { message: 'The specified path is a directory.' });
    fileHeaders(request, reply, name, info);
    const range = parseOcpRange(header(request, 'ocp-range'), info.size);
    const length = range === undefined ? info.size : range.end - range.start + 1;
    reply.header('content-length', String(length));
    // Ranged reads still answer 200: the 10.x SDK accepts no other status (Azure Batch REST reference).
    if (length === 0) return reply.code(200).send('');
    return reply.code(200).send(await files.read(name, range));
  });

  app.head<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const files = await filesOf(context, request.params);
    const name = filePathOf(request);
    const info = await files.stat(name);
    fileHeaders(request, reply, name, info);
    reply.header('content-length', String(info.size));
    return reply.code(200).send();
  });

  app.delete<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const files = await filesOf(context, request.params);
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    await files.remove(filePathOf(request), recursive);
    return sendWrite(reply, 200);
  });
}
