/** `GET /lifetimejobstats` and `GET /lifetimepoolstats`: the account's totals over every run, deleted jobs included. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { baseUrl, setJsonHeaders } from '../http/request-context.js';
import { isoNow, type ServiceContext } from '../services/service-context.js';
import { accountCoreTimeMs, accountTotals, jobStatistics, poolStatistics } from '../services/statistics.js';

function send(request: FastifyRequest, reply: FastifyReply, set: string, stats: object): FastifyReply {
  setJsonHeaders(reply);
  const body = { 'odata.metadata': `${baseUrl(request)}/$metadata#${set}/@Element`, ...stats };
  return reply.code(200).send(JSON.stringify(body));
}

export function registerStatisticsRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.get('/lifetimejobstats', async (request, reply) => {
    const totals = await accountTotals(context);
    const now = isoNow(context);
    const range = { startTime: totals?.startTime ?? now, now };
    const url = `${baseUrl(request)}/lifetimejobstats`;
    return send(request, reply, 'jobstats', jobStatistics(url, totals, range, true));
  });

  app.get('/lifetimepoolstats', async (request, reply) => {
    const totals = await accountTotals(context);
    const range = {
      startTime: totals?.startTime ?? isoNow(context),
      coreMs: await accountCoreTimeMs(context),
    };
    const url = `${baseUrl(request)}/lifetimepoolstats`;
    return send(request, reply, 'poolstats', poolStatistics(url, totals, range));
  });
}
