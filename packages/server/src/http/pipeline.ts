/**
 * The request pipeline, declared in order. Every Batch request passes these stages:
 *
 *   1. request id         every response carries `request-id`; `client-request-id` echoed when asked
 *   2. api-version        required; must be a version we speak (400 otherwise)
 *   3. authentication     Shared Key over the raw wire path, 15-minute clock window (403 otherwise)
 *   4. admission          rate limit → 429 TooManyRequests, overload → 503 ServerBusy, both with Retry-After
 *   5. fault rules        injected errors, latency, resets, hangs; lost or slow responses on the way out
 *   6. body limit + parse raw bytes up to 1 MB (413 RequestBodyTooLarge); JSON decoded by the handler that
 *                         expects it, so malformed JSON is 400 InvalidRequestBody
 *   7. validation         per operation, in the route (protocol validators → 400 with `values`)
 *   8. handler            services apply the state rules against the store
 *   9. serializer         `responses.ts`: odata.metadata, ETag, Last-Modified, DataServiceId, $select
 *  10. errors             `error-handler.ts` is the only writer of error bodies
 *
 * Paths under `/.batchite/` (health, node agents, fault rules) and `/metrics`, `/ui` are not Batch API paths:
 * they skip stages 2–5 and bring their own authentication.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '@batchite/retry';
import type { Admission } from '../admission/admission.js';
import type { FaultEngine } from '../faults/fault-engine.js';
import { applyResponseFault, injectRequestFault } from '../faults/http-faults.js';
import { apiError } from './api-error.js';
import { checkApiVersion } from './api-version.js';
import { authenticate, type Account } from './authentication.js';
import { installRawBodyParser } from './body.js';
import { sendError } from './error-handler.js';
import { assignRequestId } from './request-id.js';

export interface PipelineContext {
  account: Account;
  clock: Clock;
  admission: Admission;
  faults: FaultEngine;
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
  app.addHook('onRequest', (request, reply, done) => {
    if (!isBatchPath(request)) return done();
    try {
      context.admission.admit(request, reply);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  app.addHook('onResponse', (request, _reply, done) => {
    context.admission.release(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    context.admission.release(request);
    done();
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!isBatchPath(request)) return;
    // A reset or hung request never reaches onResponse: give its admission slot back now.
    if (await injectRequestFault(context.faults, context.clock, request, reply))
      context.admission.release(request);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    done(null, applyResponseFault(request, reply, payload, context.clock));
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
