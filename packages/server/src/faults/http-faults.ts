/**
 * Stage 5 of the pipeline: HTTP fault injection for Batch requests. `lostResponse` and `slowBody` act on the
 * way out (the write is committed first, then the answer is lost or trickles); the others act before the
 * request is processed.
 */
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BatchErrorCode } from '@batchite/protocol';
import { errorSpec } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import { ApiError } from '../http/api-error.js';
import type { FaultEngine } from './fault-engine.js';
import type { HttpFaultAction } from './fault-rules.js';

const outgoing = new WeakMap<FastifyRequest, HttpFaultAction>();

function faultError(action: Extract<HttpFaultAction, { type: 'error' }>): ApiError {
  const headers: Record<string, string> =
    action.retryAfter === undefined ? {} : { 'retry-after': String(action.retryAfter) };
  const message = action.message ?? errorSpec(action.code)?.message ?? `Injected fault ${action.code}.`;
  return new ApiError(action.code as BatchErrorCode, action.status, message, [], headers);
}

/** Applies the fault that fires for this request, if any. Returns true when the request is taken over. */
export async function injectRequestFault(
  engine: FaultEngine,
  clock: Clock,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  if (!engine.active) return false;
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const action = engine.http({
    method: request.method,
    ...(request.routeOptions.url === undefined ? {} : { route: request.routeOptions.url }),
    ...(params.poolId === undefined ? {} : { poolId: params.poolId }),
    ...(params.jobId === undefined ? {} : { jobId: params.jobId }),
    ...(params.taskId === undefined ? {} : { taskId: params.taskId }),
    ...(params.nodeId === undefined ? {} : { nodeId: params.nodeId }),
  });
  switch (action?.type) {
    case undefined:
      return false;
    case 'error':
      throw faultError(action);
    case 'latency':
      await clock.sleep(action.ms);
      return false;
    case 'reset':
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    case 'hang':
      // Never answer: the client's own timeout is what gets tested. Closing the server drops the socket.
      reply.hijack();
      return true;
    case 'lostResponse':
    case 'slowBody':
      outgoing.set(request, action);
      return false;
  }
}

/** Bytes of a payload that Fastify is about to send, for trickling. */
function payloadBytes(payload: unknown): Buffer | undefined {
  if (typeof payload === 'string') return Buffer.from(payload);
  if (Buffer.isBuffer(payload)) return payload;
  return undefined;
}

function trickle(bytes: Buffer, bytesPerSecond: number, clock: Clock): Readable {
  const chunk = Math.max(1, Math.ceil(bytesPerSecond / 10));
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= bytes.length) return void this.push(null);
      const next = bytes.subarray(offset, offset + chunk);
      offset += next.length;
      void clock.sleep((next.length / bytesPerSecond) * 1000).then(() => this.push(next));
    },
  });
}

/** onSend: loses the response of a committed request, or sends its body slowly. */
export function applyResponseFault(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  clock: Clock,
): unknown {
  const action = outgoing.get(request);
  if (action === undefined) return payload;
  outgoing.delete(request);
  if (action.type === 'lostResponse') {
    // The handler has committed its write; the client never hears about it.
    request.raw.socket.destroy();
    return payload;
  }
  if (action.type === 'slowBody') {
    const bytes = payloadBytes(payload);
    if (bytes === undefined) return payload;
    reply.header('content-length', String(bytes.length));
    return trickle(bytes, action.bytesPerSecond, clock);
  }
  return payload;
}
