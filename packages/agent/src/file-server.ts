/**
 * The agent's file server, for nodes on other machines than the server: the server proxies the Batch task-file
 * API to it (docs/node-api.md, "Task files of remote nodes"). It serves the node's task directories read-only
 * plus delete, behind the per-node secret the server issued at registration.
 *
 *   GET    /files/{jobId}/{taskId}?recursive=true   → JSON list of entries
 *   GET    /files/{jobId}/{taskId}/{path}           → bytes (`range: bytes=a-b` honoured)
 *   HEAD   /files/{jobId}/{taskId}/{path}           → properties in headers
 *   DELETE /files/{jobId}/{taskId}/{path}[?recursive=true]
 *   …      /nodefiles[/{path}]                       the same over the node root's startup/, shared/, workitems/
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import {
  deleteTaskFile,
  listTaskFiles,
  openTaskFile,
  parseOcpRange,
  statTaskFile,
  taskDirectoryRef,
  isNodeFilePath,
  type TaskDir,
  TaskFileError,
} from '@batchite/protocol/task-files';

export interface FileServerOptions {
  /** Interface to listen on. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Root of the task directories. */
  rootDir: string;
  /** The URL the server should use to reach this file server (default: http://host:port). */
  advertiseUrl?: string;
}

export interface RunningFileServer {
  readonly url: string;
  /** Sets the secret the server sends (it changes when the node registers again). */
  setToken(token: string): void;
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** JSON answer; an error's code also travels in a header, since answers to HEAD have no body. */
function send(
  response: ServerResponse,
  status: number,
  body?: { code?: string; message?: string } | object,
): void {
  const code = (body as { code?: string } | undefined)?.code;
  if (code !== undefined) response.setHeader('x-batchite-error-code', code);
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    .end(text);
}

function authorized(request: IncomingMessage, token: string | undefined): boolean {
  const presented = /^BatchiteFiles (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined || presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function handle(request: IncomingMessage, response: ServerResponse, root: string): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://agent');
  const [, files, jobId, taskId, ...rest] = url.pathname.split('/');
  if (files === 'nodefiles')
    return serveFiles(request, response, root, url, url.pathname.split('/').slice(2), true);
  if (
    files !== 'files' ||
    jobId === undefined ||
    taskId === undefined ||
    !ID.test(jobId) ||
    !ID.test(taskId)
  ) {
    return send(response, 404, { code: 'FileNotFound' });
  }
  return serveFiles(request, response, taskDirectoryRef(root, jobId, taskId), url, rest, false);
}

/**
 * Serves one directory tree: a task's, or (`nodeAreas`) the node root limited to its `NODE_FILE_AREAS` (the
 * node files API), so the agent's own bookkeeping is never served.
 */
async function serveFiles(
  request: IncomingMessage,
  response: ServerResponse,
  taskRoot: TaskDir,
  url: URL,
  rest: string[],
  nodeAreas: boolean,
): Promise<void> {
  const recursive = url.searchParams.get('recursive') === 'true';
  if (rest.length === 0) {
    if (request.method !== 'GET') return send(response, 405, { code: 'UnsupportedHttpVerb' });
    const all = await listTaskFiles(taskRoot, recursive);
    const entries = nodeAreas ? all.filter((entry) => isNodeFilePath(entry.name)) : all;
    return send(
      response,
      200,
      entries.map((entry) => ({
        name: entry.name,
        isDirectory: entry.isDirectory,
        size: entry.stats.size,
        mode: entry.stats.mode,
        createdAt: entry.stats.birthtime.toISOString(),
        modifiedAt: entry.stats.mtime.toISOString(),
      })),
    );
  }
  const name = decodeURIComponent(rest.join('/'));
  if (nodeAreas && !isNodeFilePath(name)) return send(response, 404, { code: 'FileNotFound' });
  if (request.method === 'DELETE') {
    // The areas themselves stay: only what is in them may be deleted.
    if (nodeAreas && name.split('/').filter((part) => part !== '').length < 2)
      return send(response, 409, { code: 'OperationNotValidOnNode' });
    await deleteTaskFile(taskRoot, name, recursive);
    return send(response, 200);
  }
  const stats = await statTaskFile(taskRoot, name);
  const range = stats.isDirectory() ? undefined : parseOcpRange(request.headers.range, stats.size);
  const length = stats.isDirectory() ? 0 : range === undefined ? stats.size : range.end - range.start + 1;
  // Opened before the answer starts, so a file swapped for a link meanwhile is still a clean 404.
  const body =
    request.method === 'HEAD' || length === 0 ? undefined : await openTaskFile(taskRoot, name, range);
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': length,
    'x-batchite-isdirectory': String(stats.isDirectory()),
    'x-batchite-mode': String(stats.mode),
    'x-batchite-created': stats.birthtime.toISOString(),
    'x-batchite-modified': stats.mtime.toISOString(),
    'x-batchite-size': String(stats.size),
  });
  if (body === undefined) return void response.end();
  body.pipe(response);
}

export async function startFileServer(options: FileServerOptions): Promise<RunningFileServer> {
  let token: string | undefined;
  const server: Server = createServer((request, response) => {
    if (!authorized(request, token)) return send(response, 403, { code: 'AuthenticationFailed' });
    handle(request, response, options.rootDir).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      if (error instanceof TaskFileError)
        return send(
          response,
          error.code === 'InvalidRange' ? 416 : error.code === 'DirectoryNotEmpty' ? 409 : 404,
          { code: error.code, message: error.message },
        );
      send(response, 500, { code: 'InternalError' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: options.advertiseUrl ?? `http://${host}:${port}`,
    setToken(next) {
      token = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
