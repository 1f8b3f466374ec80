import type { Stats } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FILE_FILTER_SCHEMA } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { checkConditions } from '../http/conditions.js';
import { header, queryParams } from '../http/request-context.js';
import { resourceUrl, sendList, sendWrite } from '../http/responses.js';
import type { ServiceContext } from '../services/service-context.js';
import {
  deleteTaskFile,
  listTaskFiles,
  openTaskFile,
  parseOcpRange,
  resolveTaskPath,
  statTaskFile,
  taskDirectory,
} from '../services/task-files.js';
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

function fileMode(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

async function taskRoot(context: ServiceContext, params: TaskParams): Promise<string> {
  const task = await getTask(context, params.jobId, params.taskId);
  return taskDirectory(context.dataDir, task.jobId, task.entity.id);
}

function fileHeaders(
  request: FastifyRequest<{ Params: TaskParams }>,
  reply: FastifyReply,
  name: string,
  stats: Stats,
) {
  checkConditions(request, { lastModified: stats.mtime }, 'read');
  reply.header('ocp-creation-time', stats.birthtime.toUTCString());
  reply.header('ocp-batch-file-isdirectory', String(stats.isDirectory()));
  reply.header('ocp-batch-file-url', fileUrl(request, request.params, name));
  reply.header('ocp-batch-file-mode', fileMode(stats));
  reply.header('last-modified', stats.mtime.toUTCString());
  reply.header('content-type', 'application/octet-stream');
}

export function registerFileRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files', async (request, reply) => {
    const root = await taskRoot(context, request.params);
    const matches = filterMatcher(readFilter(request, FILE_FILTER_SCHEMA));
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    const files = (await listTaskFiles(root, recursive))
      .map((entry) => ({
        name: entry.name,
        url: fileUrl(request, request.params, entry.name),
        isDirectory: entry.isDirectory,
        properties: {
          creationTime: entry.stats.birthtime.toISOString(),
          lastModified: entry.stats.mtime.toISOString(),
          contentLength: entry.isDirectory ? 0 : entry.stats.size,
          contentType: 'application/octet-stream',
          fileMode: fileMode(entry.stats),
        },
      }))
      .filter((file) => matches(file));
    return sendList(request, reply, 'files', files, undefined);
  });

  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const root = await taskRoot(context, request.params);
    const name = filePathOf(request);
    const stats = await statTaskFile(root, name);
    if (stats.isDirectory())
      throw apiError('FileNotFound', { message: 'The specified path is a directory.' });
    fileHeaders(request, reply, name, stats);
    const range = parseOcpRange(header(request, 'ocp-range'), stats.size);
    const length = range === undefined ? stats.size : range.end - range.start + 1;
    reply.header('content-length', String(length));
    // Ranged reads still answer 200: the 10.x SDK accepts no other status (reference §1.3).
    if (length === 0) return reply.code(200).send('');
    return reply.code(200).send(openTaskFile(resolveTaskPath(root, name), range));
  });

  app.head<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const root = await taskRoot(context, request.params);
    const name = filePathOf(request);
    const stats = await statTaskFile(root, name);
    fileHeaders(request, reply, name, stats);
    reply.header('content-length', String(stats.isDirectory() ? 0 : stats.size));
    return reply.code(200).send();
  });

  app.delete<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/files/*', async (request, reply) => {
    const root = await taskRoot(context, request.params);
    const recursive = queryParams(request).get('recursive')?.toLowerCase() === 'true';
    await deleteTaskFile(root, filePathOf(request), recursive);
    return sendWrite(reply, 200);
  });
}
