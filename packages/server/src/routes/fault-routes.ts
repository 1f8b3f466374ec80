/**
 * Live fault rules (Batchite extension), signed with the account's Shared Key like any Batch call:
 *   GET    /.batchite/faults          the rule set with per-rule injection counts
 *   PUT    /.batchite/faults          replace the whole set `{ seed?, rules: [...] }`
 *   POST   /.batchite/faults          add (or replace by id) one rule → 201
 *   DELETE /.batchite/faults          remove every rule → 204
 *   DELETE /.batchite/faults/{id}     remove one rule → 204, or 404 ResourceNotFound
 * Bad rules are answered 400 InvalidRequestBody with the reason; nothing is changed then.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FaultRuleError, parseFaultRuleSet } from '../faults/fault-rules.js';
import { apiError } from '../http/api-error.js';
import { authenticate, type Account } from '../http/authentication.js';
import { readJson } from '../http/body.js';
import type { ServiceContext } from '../services/service-context.js';

function badRule(error: unknown): never {
  if (error instanceof FaultRuleError) {
    throw apiError('InvalidRequestBody', {
      message: `Invalid fault rule: ${error.reason}`,
      values: [{ key: 'Reason', value: error.reason }],
    });
  }
  throw error;
}

export function registerFaultRoutes(app: FastifyInstance, context: ServiceContext, account: Account): void {
  const signed = (request: FastifyRequest) => authenticate(request, account, context.clock.now());

  app.get('/.batchite/faults', (request) => {
    signed(request);
    return context.faults.snapshot();
  });

  app.put('/.batchite/faults', (request) => {
    signed(request);
    try {
      context.faults.replace(parseFaultRuleSet(readJson(request, true)));
    } catch (error) {
      badRule(error);
    }
    return context.faults.snapshot();
  });

  app.post('/.batchite/faults', (request, reply) => {
    signed(request);
    try {
      return reply.code(201).send(context.faults.add(readJson(request, true)));
    } catch (error) {
      return badRule(error);
    }
  });

  app.delete('/.batchite/faults', (request, reply) => {
    signed(request);
    context.faults.clear();
    return reply.code(204).send();
  });

  app.delete<{ Params: { ruleId: string } }>('/.batchite/faults/:ruleId', (request, reply) => {
    signed(request);
    if (!context.faults.remove(request.params.ruleId)) {
      throw apiError('ResourceNotFound', { message: `No fault rule with id ${request.params.ruleId}.` });
    }
    return reply.code(204).send();
  });
}
