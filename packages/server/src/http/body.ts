import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from './api-error.js';

/** Batch limits request bodies to 1 MB (addtaskcollection documents it; we apply it everywhere). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Bodies are kept as raw bytes by the parser and decoded by the handler that expects one, so malformed JSON gets
 * the Batch error (`InvalidRequestBody`) rather than the framework's.
 */
export function installRawBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    done(null, body);
  });
}

function rawBody(request: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
}

/** Parses the JSON body; `required: false` returns undefined for an empty body. */
export function readJson(request: FastifyRequest, required: boolean): unknown {
  const raw = rawBody(request);
  if (raw === undefined) {
    if (!required) return undefined;
    throw apiError('InvalidRequestBody', {
      message: 'The request body is missing.',
      values: [{ key: 'Reason', value: 'This operation requires a JSON request body.' }],
    });
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error) {
    throw apiError('InvalidRequestBody', {
      values: [{ key: 'Reason', value: `The body is not valid JSON: ${(error as Error).message}` }],
    });
  }
}
