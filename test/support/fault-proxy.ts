/**
 * A fault-injecting HTTP proxy in front of a real service (Azurite in the storage tests): each request is passed
 * on, answered with a scripted status (503 with Retry-After), or its connection reset before any answer, as the
 * test's `plan` decides. Counts what it did, so a test can prove the faults really happened.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction = 'pass' | 'reset' | { status: number; retryAfterSeconds?: number };

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: use in place of the target's origin. */
  readonly url: string;
  readonly counts: { pass: number; reset: number; status: number };
  close(): Promise<void>;
}

function forward(target: URL, req: IncomingMessage, res: ServerResponse): void {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** Starts the proxy on a free port; `plan` sees each request (method and path with query) in arrival order. */
export async function startFaultProxy(
  targetOrigin: string,
  plan: (method: string, url: string) => FaultAction,
): Promise<FaultProxy> {
  const target = new URL(targetOrigin);
  const counts = { pass: 0, reset: 0, status: 0 };
  const server = createServer((req, res) => {
    const action = plan(req.method ?? 'GET', req.url ?? '/');
    if (action === 'pass') {
      counts.pass++;
      forward(target, req, res);
    } else if (action === 'reset') {
      counts.reset++;
      req.socket.destroy();
    } else {
      counts.status++;
      const headers: Record<string, string> = { 'x-ms-error-code': 'ServerBusy', 'content-length': '0' };
      if (action.retryAfterSeconds !== undefined) headers['retry-after'] = String(action.retryAfterSeconds);
      req.resume();
      res.writeHead(action.status, headers).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
