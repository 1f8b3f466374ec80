/**
 * A minimal TCP load balancer for the scale-out test: round-robin over live backends; a backend that refuses
 * the connection is skipped for the next one. Like any L4 balancer, it cannot save a request already in flight
 * on a backend that dies: the client's retry handler must.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  port: number;
  close(): Promise<void>;
}

export async function startBalancer(backends: { host: string; port: number }[]): Promise<Balancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  const forward = (client: Socket, attempt: number): void => {
    const backend = backends[(next + attempt) % backends.length]!;
    const upstream = connect(backend.port, backend.host);
    let connected = false;
    sockets.add(upstream);
    upstream.once('connect', () => {
      connected = true;
      next++;
      client.pipe(upstream).pipe(client);
    });
    upstream.on('error', () => undefined);
    upstream.once('close', () => {
      sockets.delete(upstream);
      // Refused before connecting: try the next backend. Lost after connecting: the client sees a reset.
      if (!connected && attempt + 1 < backends.length) forward(client, attempt + 1);
      else client.destroy();
    });
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => client.destroy());
    client.once('close', () => sockets.delete(client));
    client.pause();
    forward(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
