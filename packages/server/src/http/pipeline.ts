/**
 * The request pipeline, declared in order. Every Batch request passes these stages:
 *
 *   1. request id         every response carries `request-id`; `client-request-id` echoed when asked
 *   2. api-version        required; must be a version we speak (400 otherwise)
 *   3. authentication     Shared Key over the raw wire path, 15-minute clock window (403 otherwise), or a
 *                         job-scoped bearer token, then limited to its job's paths (`job-token-auth.ts`)
 *   4. admission          rate limit → 429 TooManyRequests, overload → 503 ServerBusy, both with Retry-After
 *   5. fault rules        injected errors, latency, resets, hangs; lost or slow responses on the way out
 *   6. body limit + parse raw bytes up to 1 MB (413 RequestBodyTooLarge), nesting at most MAX_JSON_DEPTH
 *                         (400 InvalidRequestBody); JSON decoded by the handler that expects it, so malformed
 *                         JSON is 400 InvalidRequestBody
 *   7. validation         per operation, in the route (protocol validators → 400 with `values`)
 *   8. handler            services apply the state rules against the store
 *   9. serializer         `responses.ts`: odata.metadata, ETag, Last-Modified, DataServiceId, $select
 *  10. errors             `error-handler.ts` is the only writer of error bodies
 *
 * Stages 1, 6 and 10 (and the answer to unmatched requests: 501 for a Batch operation without a route, else
 * the Batch-style 404) belong to the root instance, so every surface has them. Stages
 * 2–5 are hooks of the Batch API plugin only (Fastify encapsulation, `app.ts`): the other surfaces — node
 * agents, the dashboard, `/metrics`, health, `/.batchite/` extensions — are registered beside it with their own
 * authentication, visible where they are registered. Errors the framework raises before any hook (bad URL
 * encoding, over-long URIs, malformed requests) are answered in the same error body by `framework-errors.ts`.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '@batchite/retry';
import type { Admission } from '../admission/admission.js';
import type { FaultEngine } from '../faults/fault-engine.js';
import type { Store } from '../store/store.js';
import { applyResponseFault, injectRequestFault } from '../faults/http-faults.js';
import { checkApiVersion } from './api-version.js';
import { authenticateCaller, type Account } from './authentication.js';
import { authorizeJobToken } from './job-token-auth.js';
import { installRawBodyParser } from './body.js';
import { sendError } from './error-handler.js';
import { notFoundHandler } from './not-found.js';
import { assignRequestId } from './request-id.js';

export interface PipelineContext {
  account: Account;
  clock: Clock;
  admission: Admission;
  faults: FaultEngine;
  /** Job-scoped tokens are checked against their job. */
  store: Store;
}

/** Stages 1, 6 and 10 and the unmatched-request answer (501 or 404), on the root instance. */
export function installCommonStages(app: FastifyInstance, clock: Clock, account: Account): void {
  app.addHook('onRequest', assignRequestId);
  installRawBodyParser(app);
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error, clock.now()));
  app.setNotFoundHandler(notFoundHandler(account, clock));
}

/** Stages 2–5, as hooks of the (encapsulated) Batch API plugin: only its routes pass them. */
export function installBatchStages(scope: FastifyInstance, context: PipelineContext): void {
  scope.addHook('onRequest', async (request) => {
    checkApiVersion(request);
    const caller = authenticateCaller(request, context.account, context.clock.now());
    if (caller.kind === 'job') await authorizeJobToken(request, caller.claims, context.store);
  });
  scope.addHook('onRequest', (request, reply, done) => {
    try {
      context.admission.admit(request, reply);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  scope.addHook('onResponse', (request, _reply, done) => {
    context.admission.release(request);
    done();
  });
  scope.addHook('onRequestAbort', (request, done) => {
    context.admission.release(request);
    done();
  });
  scope.addHook('onRequest', async (request, reply) => {
    // A reset or hung request never reaches onResponse: give its admission slot back now.
    if (await injectRequestFault(context.faults, context.clock, request, reply))
      context.admission.release(request);
  });
  scope.addHook('onSend', (request, reply, payload, done) => {
    done(null, applyResponseFault(request, reply, payload, context.clock));
  });
}
