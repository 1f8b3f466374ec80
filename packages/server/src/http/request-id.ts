import type { FastifyReply, FastifyRequest } from 'fastify';
import { header } from './request-context.js';

/** Stage 1: every response carries `request-id`; `client-request-id` is echoed only when asked (Azure Batch REST reference). */
export function assignRequestId(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  reply.header('request-id', request.id);
  const clientRequestId = header(request, 'client-request-id');
  if (
    clientRequestId !== undefined &&
    header(request, 'return-client-request-id')?.toLowerCase() === 'true'
  ) {
    reply.header('client-request-id', clientRequestId);
  }
  done();
}
