/**
 * The request pipeline, declared in order. Every Batch request passes these stages:
 *
 *   1. request id         every response carries `request-id`; `client-request-id` echoed when asked
 *   2. api-version        required; must be a version we speak (400 otherwise)
 *   3. authentication     Shared Key over the raw wire path, 15-minute clock window (403 otherwise)
 *   4. body limit + parse raw bytes up to 1 MB (413 RequestBodyTooLarge); JSON decoded by the handler that
 *                         expects it, so malformed JSON is 400 InvalidRequestBody
 *   5. validation         per operation, in the route (protocol validators → 400 with `values`)
 *   6. handler            services apply the state rules against the store
 *   7. serializer         `responses.ts`: odata.metadata, ETag, Last-Modified, DataServiceId, $select
 *   8. errors             `error-handler.ts` is the only writer of error bodies
 *
 * Paths under `/.batchite/` (health, node agents, fault rules) and `/metrics`, `/ui` are not Batch API paths:
 * they skip stages 2–3 and bring their own authentication.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '@batchite/retry';
import { apiError } from './api-error.js';
import { checkApiVersion } from './api-version.js';
import { authenticate, type Account } from './authentication.js';
import { installRawBodyParser } from './body.js';
import { sendError } from './error-handler.js';
import { assignRequestId } from './request-id.js';

export interface PipelineContext {
  account: Account;
  clock: Clock;
}

const NON_BATCH_PREFIXES = ['/.batchite/', '/metrics', '/ui'];

export function isBatchPath(request: FastifyRequest): boolean {
  const url = request.raw.url ?? '/';
  return !NON_BATCH_PREFIXES.some((prefix) => url.startsWith(prefix));
}

export function installPipeline(app: FastifyInstance, context: PipelineContext): void {
  app.addHook('onRequest', assignRequestId);
  app.addHook('onRequest', (request, _reply, done) => {
    if (!isBatchPath(request)) return done();
    try {
      checkApiVersion(request);
      authenticate(request, context.account, context.clock.now());
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  installRawBodyParser(app);
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error, context.clock.now()));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      apiError('ResourceNotFound', {
        values: [
          { key: 'Reason', value: `No operation matches ${request.method} ${request.url.split('?')[0]}.` },
        ],
      }),
      context.clock.now(),
    ),
  );
}
