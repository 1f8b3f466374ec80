/** Test helpers: a server on port 0 in a temp dir, signed Batch requests, and a scripted node driver. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizationHeader, DEFAULT_API_VERSION, type ClaimedTask } from '@batchite/protocol';

export type { ClaimedTask };
import type { Clock } from '@batchite/retry';
import { startServer, type RunningServer, type ServerOptions } from '../src/index.js';

export interface TestServer extends RunningServer {
  dir: string;
  /** Closes the server and removes its data directory. */
  dispose(): Promise<void>;
}

export async function testServer(options: ServerOptions & { clock?: Clock } = {}): Promise<TestServer> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'batchite-server-'));
  const server = await startServer({ port: 0, logLevel: false, ...options, dataDir: dir });
  return {
    ...server,
    url: server.url,
    accountName: server.accountName,
    accountKey: server.accountKey,
    dataDir: server.dataDir,
    close: () => server.close(),
    dir,
    async dispose() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** A Shared-Key-signed request, as an SDK would send it. `query` is appended after api-version. */
export async function batch(
  server: RunningServer,
  method: string,
  path: string,
  body?: unknown,
  options: { query?: string; headers?: Record<string, string>; apiVersion?: boolean } = {},
): Promise<Reply> {
  const query = [
    options.apiVersion === false ? '' : `api-version=${DEFAULT_API_VERSION}`,
    options.query ?? '',
  ]
    .filter((part) => part !== '')
    .join('&');
  const pathAndQuery = query === '' ? path : `${path}?${query}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {
    'ocp-date': new Date().toUTCString(),
    'content-type': 'application/json; odata=minimalmetadata; charset=utf-8',
    ...(payload === undefined
      ? method === 'POST'
        ? { 'content-length': '0' }
        : {}
      : { 'content-length': String(Buffer.byteLength(payload)) }),
    ...options.headers,
  };
  headers.authorization = authorizationHeader(
    { method, pathAndQuery, headers, accountName: server.accountName },
    server.accountKey,
  );
  const response = await fetch(`${server.url}${pathAndQuery}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** Drives the node API the way an agent does, so tests script exactly what each run reports. */
export class ScriptedNode {
  private constructor(
    private readonly server: RunningServer,
    readonly nodeId: string,
    private readonly token: string,
  ) {}

  static async join(
    server: RunningServer,
    poolId: string,
    options: { slots?: number; nodeId?: string } = {},
  ): Promise<ScriptedNode> {
    // Agents register with the pool's join token, never the account key (docs/node-api.md).
    const response = await fetch(`${server.url}/.batchite/pools/${poolId}/nodes/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `BatchiteJoin ${server.joinToken(poolId)}`,
      },
      body: JSON.stringify({ hostname: 'test', ...options }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`register failed: ${response.status} ${text}`);
    const body = JSON.parse(text) as { nodeId: string; token: string };
    return new ScriptedNode(server, body.nodeId, body.token);
  }

  async call(action: string, body: unknown): Promise<Reply> {
    const response = await fetch(`${this.server.url}/.batchite/nodes/${this.nodeId}/${action}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `BatchiteNode ${this.nodeId}:${this.token}`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }

  async claim(freeSlots = 1, waitMs = 0): Promise<ClaimedTask[]> {
    const reply = await this.call('claim', { freeSlots, waitMs });
    if (reply.status !== 200) throw new Error(`claim failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.tasks as ClaimedTask[];
  }

  async complete(task: ClaimedTask, report: Record<string, unknown>): Promise<boolean> {
    const now = new Date().toISOString();
    const reply = await this.call('complete', {
      jobId: task.jobId,
      taskId: task.taskId,
      leaseToken: task.leaseToken,
      startTime: now,
      endTime: now,
      ...report,
    });
    if (reply.status !== 200)
      throw new Error(`complete failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.accepted as boolean;
  }

  async heartbeat(
    running: ClaimedTask[],
  ): Promise<{ cancel: { jobId: string; taskId: string; reason: string }[] }> {
    const reply = await this.call('heartbeat', {
      running: running.map(({ jobId, taskId, leaseToken }) => ({ jobId, taskId, leaseToken })),
    });
    if (reply.status !== 200) throw new Error(`heartbeat failed: ${reply.status}`);
    return reply.body as { cancel: { jobId: string; taskId: string; reason: string }[] };
  }
}
