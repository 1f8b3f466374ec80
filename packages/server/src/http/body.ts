import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestBodyFromVersion } from '@batchite/protocol';
import { apiError } from './api-error.js';
import { requestApiVersion } from './api-version.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

/** Batch limits request bodies to 1 MB (addtaskcollection documents it; we apply it everywhere). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Bodies are kept as raw bytes by the parser and decoded by the handler that expects one, so malformed JSON gets
 * the Batch error (`InvalidRequestBody`) rather than the framework's. The parser is installed on the root
 * instance, so it applies to every surface (Batch API, node API, dashboard, `/.batchite/`): whatever the content
 * type, a body nested deeper than `MAX_JSON_DEPTH` is refused here, before any handler sees it.
 */
export function installRawBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (exceedsJsonDepth(bytes)) {
      done(
        apiError('InvalidRequestBody', {
          values: [
            {
              key: 'Reason',
              value: `The body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
            },
          ],
        }),
      );
      return;
    }
    done(null, bytes);
  });
}

function rawBody(request: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
}

/**
 * Parses the JSON body, in the property names of the newest api-version whatever version the request asked for
 * (`api-version-differences.ts`); `required: false` returns undefined for an empty body.
 */
export function readJson(request: FastifyRequest, required: boolean): unknown {
  const raw = rawBody(request);
  if (raw === undefined) {
    if (!required) return undefined;
    throw apiError('InvalidRequestBody', {
      message: 'The request body is missing.',
      values: [{ key: 'Reason', value: 'This operation requires a JSON request body.' }],
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as unknown;
  } catch (error) {
    throw apiError('InvalidRequestBody', {
      values: [{ key: 'Reason', value: `The body is not valid JSON: ${(error as Error).message}` }],
    });
  }
  return requestBodyFromVersion(parsed, requestApiVersion(request));
}
