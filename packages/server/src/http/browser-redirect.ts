/**
 * `GET /` from a browser (it asks for `text/html`) goes to the dashboard instead of a Batch error body. API
 * clients never ask for HTML, so they keep the Batch answer for `/`.
 */
import type { FastifyInstance } from 'fastify';

export function redirectBrowsersToDashboard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' || request.url.split('?')[0] !== '/') return;
    if (!(request.headers.accept ?? '').includes('text/html')) return;
    await reply.redirect('/ui', 302);
  });
}
