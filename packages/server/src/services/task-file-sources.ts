/**
 * Where a task's files are read from. Nodes on this machine (local pools) write into their roots below the
 * server's data directory (`<dataDir>/nodes/<nodeId>/`), which are read directly. Nodes on other machines serve their task directories themselves; the server
 * forwards file requests to the node that ran the task, with the secret it issued to that node.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  deleteTaskFile,
  listTaskFiles,
  openTaskFile,
  statTaskFile,
  taskDirectoryRef,
  TaskFileError,
  type TaskDirectoryRef,
  type ByteRange,
} from '@batchite/protocol/task-files';
import { apiError } from '../http/api-error.js';
import type { NodeDoc, TaskDoc } from '../store/documents.js';
import { isSafeNodeId, underLocalNode } from './local-node-roots.js';
import type { ServiceContext } from './service-context.js';

export interface FileInfo {
  isDirectory: boolean;
  size: number;
  mode: number;
  createdAt: Date;
  modifiedAt: Date;
}

export interface FileEntry extends FileInfo {
  /** `/`-separated path below the task directory. */
  name: string;
}

export interface TaskFiles {
  list(recursive: boolean): Promise<FileEntry[]>;
  stat(name: string): Promise<FileInfo>;
  read(name: string, range: ByteRange | undefined): Promise<Readable>;
  remove(name: string, recursive: boolean): Promise<void>;
}

export function localFiles(root: TaskDirectoryRef): TaskFiles {
  const info = (stats: Awaited<ReturnType<typeof statTaskFile>>): FileInfo => ({
    isDirectory: stats.isDirectory(),
    size: stats.isDirectory() ? 0 : stats.size,
    mode: stats.mode,
    createdAt: stats.birthtime,
    modifiedAt: stats.mtime,
  });
  return {
    list: async (recursive) =>
      (await listTaskFiles(root, recursive)).map((entry) => ({ name: entry.name, ...info(entry.stats) })),
    stat: async (name) => info(await statTaskFile(root, name)),
    read: (name, range) => openTaskFile(root, name, range),
    remove: (name, recursive) => deleteTaskFile(root, name, recursive),
  };
}

const TASK_FILE_CODES = new Set(['FileNotFound', 'InvalidRange', 'DirectoryNotEmpty']);
const NODE_CODES = new Set(['OperationNotValidOnNode']);

export function remoteFiles(node: NodeDoc, path: string): TaskFiles {
  const base = `${node.internal.fileUrl ?? ''}${path}`;
  const headers = { authorization: `BatchiteFiles ${node.internal.fileToken ?? ''}` };
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
      });
    } catch {
      throw apiError('TaskFilesUnavailable', {
        message: `Node ${node.entity.id}, which holds the task's files, cannot be reached.`,
      });
    }
    if (response.ok) return response;
    const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    const code = response.headers.get('x-batchite-error-code') ?? body.code;
    if (code !== null && code !== undefined && NODE_CODES.has(code))
      throw apiError('OperationNotValidOnNode');
    if (code !== null && code !== undefined && TASK_FILE_CODES.has(code)) {
      throw new TaskFileError(code as TaskFileError['code'], body.message ?? code);
    }
    throw apiError('TaskFilesUnavailable', {
      message: `Node ${node.entity.id} answered ${response.status}.`,
    });
  };
  const info = (response: Response): FileInfo => ({
    isDirectory: response.headers.get('x-batchite-isdirectory') === 'true',
    size: Number(response.headers.get('x-batchite-size') ?? 0),
    mode: Number(response.headers.get('x-batchite-mode') ?? 0),
    createdAt: new Date(response.headers.get('x-batchite-created') ?? 0),
    modifiedAt: new Date(response.headers.get('x-batchite-modified') ?? 0),
  });
  const pathOf = (name: string) => `/${name.split('/').map(encodeURIComponent).join('/')}`;
  return {
    async list(recursive) {
      const entries = (await (await call(recursive ? '?recursive=true' : '')).json()) as {
        name: string;
        isDirectory: boolean;
        size: number;
        mode: number;
        createdAt: string;
        modifiedAt: string;
      }[];
      return entries.map((entry) => ({
        ...entry,
        createdAt: new Date(entry.createdAt),
        modifiedAt: new Date(entry.modifiedAt),
      }));
    },
    stat: async (name) => info(await call(pathOf(name), { method: 'HEAD' })),
    async read(name, range) {
      const response = await call(
        pathOf(name),
        range === undefined ? {} : { headers: { range: `bytes=${range.start}-${range.end}` } },
      );
      return response.body === null
        ? Readable.from([])
        : Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    },
    async remove(name, recursive) {
      await call(`${pathOf(name)}${recursive ? '?recursive=true' : ''}`, { method: 'DELETE' });
    },
  };
}

/** The files of the task's latest run: on the node that ran it when that node serves them, else local. */
export async function taskFilesFor(context: ServiceContext, task: TaskDoc): Promise<TaskFiles> {
  const where = task.entity.nodeInfo;
  if (where?.poolId !== undefined && where.nodeId !== undefined) {
    const node = await context.store.getNode(where.poolId, where.nodeId);
    if (node?.internal.fileUrl !== undefined)
      return remoteFiles(node, `/files/${task.jobId}/${task.entity.id}`);
  }
  const below = taskDirectoryRef('', task.jobId, task.entity.id).below;
  const nodeId = where?.nodeId;
  // A task that never ran (or whose node id could not be a directory) has no files: an empty path is read.
  if (nodeId === undefined || !isSafeNodeId(nodeId))
    return localFiles({ base: context.dataDir, below: [...below] });
  return localFiles({ base: context.dataDir, below: underLocalNode(nodeId, below) });
}
