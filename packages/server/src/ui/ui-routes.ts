/**
 * The dashboard (`/ui`): one static page (plain HTML/CSS/JS from `src/ui/assets`, no build step) and its API:
 *
 *   GET  /ui                                                 the page (hash routes: #/jobs/J, #/jobs/J/tasks/T)
 *   GET  /ui/assets/{file}                                   its script and style sheet
 *   GET  /ui/api/overview                                    pools with nodes, jobs with task counts
 *   GET  /ui/api/metrics                                     request/error/throttle/retry totals
 *   GET  /ui/api/events                                      Server-Sent Events: `update` when something changed
 *   GET  /ui/api/jobs/{job}                                  job, counts, wait-reason histogram
 *   GET  /ui/api/jobs/{job}/tasks?state=&after=&limit=       one page of the task table
 *   GET  /ui/api/jobs/{job}/tasks/{task}?reveal=true         task (secrets masked unless revealed), why, output
 *                                                            file sizes, allowed actions
 *   GET  /ui/api/jobs/{job}/tasks/{task}/files/{name}?start=&length=   a byte range of stdout.txt / stderr.txt
 *   GET  /ui/api/jobs/{job}/failures                         failed tasks grouped by exit code and first stderr line
 *   POST /ui/api/jobs/{job}/tasks/{task}/terminate|reactivate
 *   POST /ui/api/jobs/{job}/disable|enable|terminate|delete
 *   POST /ui/api/jobs/{job}/rerun-failed?exitCode=           reactivates the job's failed tasks
 *
 * The page and its assets hold no data and are open; the API is a plugin of its own whose onRequest hook asks
 * for the operator credential (ui-access.ts, http/operator-auth.ts). These paths skip the Batch stages 2–5.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../http/api-error.js';
import { requireOperator, type OperatorCredentials } from '../http/operator-auth.js';
import { header } from '../http/request-context.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { ServiceContext } from '../services/service-context.js';
import { reactivateTask, terminateTask } from '../services/tasks-service.js';
import { UI_ACTION_HEADER } from './ui-access.js';
import { UiEventHub, type UiEventOptions } from './ui-events.js';
import { buildFailures, StderrHeads, stderrHeadReader } from './ui-failures.js';
import { JOB_ACTIONS, NO_JOB_ACTIONS, rerunFailedTasks, runJobAction } from './ui-job-actions.js';
import { buildJobView, buildTaskPage, parseTaskFilter, TASK_PAGE } from './ui-jobs.js';
import { buildMetrics } from './ui-metrics.js';
import { buildOverview } from './ui-overview.js';
import { buildTaskView, parseOutputFile, readFileChunk } from './ui-tasks.js';

export interface UiOptions {
  /** Hide and refuse the task and job buttons. @defaultValue false */
  readOnly?: boolean;
  events?: UiEventOptions;
}

/** Works from `src/ui` and from the compiled `dist/src/ui` alike: both are three levels below the package. */
export const UI_ASSETS_URL = new URL('../../../src/ui/assets/', import.meta.url);

const ASSET_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

const PAGE_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

type JobRoute = { Params: { jobId: string } };
type TaskRoute = { Params: { jobId: string; taskId: string } };

const noAsset = () => apiError('ResourceNotFound', { message: 'The dashboard has no such asset.' });

async function sendAsset(reply: FastifyReply, name: string): Promise<FastifyReply> {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  const type = ASSET_TYPES[extension];
  if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || type === undefined) throw noAsset();
  let body: Buffer;
  try {
    body = await readFile(new URL(name, UI_ASSETS_URL));
  } catch {
    throw noAsset();
  }
  return reply.headers({ ...PAGE_HEADERS, 'content-type': type }).send(body);
}

function intParam(value: string | undefined, fallback: number, max: number): number {
  const parsed = value === undefined || value === '' ? NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? Math.min(parsed, max) : fallback;
}

function registerReads(
  app: FastifyInstance,
  context: ServiceContext,
  metrics: ServerMetrics,
  hub: UiEventHub,
  options: UiOptions,
) {
  const heads = new StderrHeads(stderrHeadReader(context));
  app.get('/ui/api/overview', () => buildOverview(context));
  app.get('/ui/api/metrics', () => buildMetrics(metrics, context.clock.now()));
  app.get('/ui/api/events', (_request, reply) => {
    reply.hijack();
    hub.attach(reply.raw);
  });
  app.get<JobRoute>('/ui/api/jobs/:jobId', async (request) => {
    const view = await buildJobView(context, request.params.jobId);
    if (options.readOnly === true) view.actions = { ...NO_JOB_ACTIONS };
    return view;
  });
  app.get<JobRoute>('/ui/api/jobs/:jobId/failures', (request) =>
    buildFailures(context, heads, request.params.jobId),
  );
  app.get<JobRoute & { Querystring: { state?: string; after?: string; limit?: string } }>(
    '/ui/api/jobs/:jobId/tasks',
    (request) =>
      buildTaskPage(
        context,
        request.params.jobId,
        {
          filter: parseTaskFilter(request.query.state),
          limit: Math.max(1, intParam(request.query.limit, TASK_PAGE.defaultLimit, TASK_PAGE.maxLimit)),
          ...(request.query.after === undefined || request.query.after === ''
            ? {}
            : { after: request.query.after }),
        },
        heads,
      ),
  );
  app.get<TaskRoute & { Querystring: { reveal?: string } }>(
    '/ui/api/jobs/:jobId/tasks/:taskId',
    async (request) => {
      const view = await buildTaskView(context, request.params.jobId, request.params.taskId, {
        reveal: request.query.reveal === 'true',
      });
      if (options.readOnly === true) view.actions = { terminate: false, reactivate: false };
      return view;
    },
  );
  app.get<TaskRoute & { Params: { name: string }; Querystring: { start?: string; length?: string } }>(
    '/ui/api/jobs/:jobId/tasks/:taskId/files/:name',
    async (request, reply) => {
      const { jobId, taskId, name } = request.params;
      const start = request.query.start;
      const chunk = await readFileChunk(context, jobId, taskId, parseOutputFile(name), {
        ...(start === undefined || start === ''
          ? {}
          : { start: intParam(start, 0, Number.MAX_SAFE_INTEGER) }),
        length: intParam(request.query.length, 64 * 1024, Number.MAX_SAFE_INTEGER),
      });
      return reply
        .headers({
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-file-size': String(chunk.size),
          'x-range-start': String(chunk.start),
        })
        .send(chunk.bytes);
    },
  );
}

/** Dashboard writes: refused on a read-only dashboard and without the page's header (CSRF guard). */
function guardAction(request: FastifyRequest, options: UiOptions): void {
  if (options.readOnly === true) {
    throw apiError('InsufficientAccountPermissions', {
      message: 'The dashboard is read-only on this server.',
    });
  }
  if (header(request, UI_ACTION_HEADER) === undefined) {
    throw apiError('MissingRequiredHeader', {
      status: 403,
      message: `Dashboard actions carry the ${UI_ACTION_HEADER} header.`,
      values: [{ key: 'HeaderName', value: UI_ACTION_HEADER }],
    });
  }
}

function exitCodeParam(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (Number.isInteger(parsed)) return parsed;
  throw apiError('InvalidQueryParameterValue', {
    message: 'exitCode must be an integer.',
    values: [
      { key: 'QueryParameterName', value: 'exitCode' },
      { key: 'QueryParameterValue', value },
    ],
  });
}

function registerActions(app: FastifyInstance, context: ServiceContext, options: UiOptions) {
  const action = (run: typeof terminateTask) => async (request: FastifyRequest<TaskRoute>) => {
    guardAction(request, options);
    const task = await run(context, request.params.jobId, request.params.taskId, () => undefined);
    return { jobId: task.jobId, taskId: task.entity.id, state: task.entity.state ?? 'active' };
  };
  app.post<TaskRoute>('/ui/api/jobs/:jobId/tasks/:taskId/terminate', action(terminateTask));
  app.post<TaskRoute>('/ui/api/jobs/:jobId/tasks/:taskId/reactivate', action(reactivateTask));
  for (const name of JOB_ACTIONS) {
    app.post<JobRoute>(`/ui/api/jobs/:jobId/${name}`, (request) => {
      guardAction(request, options);
      return runJobAction(context, request.params.jobId, name);
    });
  }
  app.post<JobRoute & { Querystring: { exitCode?: string } }>(
    '/ui/api/jobs/:jobId/rerun-failed',
    (request) => {
      guardAction(request, options);
      return rerunFailedTasks(context, request.params.jobId, exitCodeParam(request.query.exitCode));
    },
  );
}

/** Registers the page, its assets and its API; returns the live-update hub. */
export function registerUiRoutes(
  app: FastifyInstance,
  context: ServiceContext,
  metrics: ServerMetrics,
  credentials: OperatorCredentials,
  options: UiOptions = {},
): UiEventHub {
  const hub = new UiEventHub(context, options.events);
  app.addHook('onClose', (_app, done) => {
    hub.close();
    done();
  });
  app.get('/ui', (_request, reply) => sendAsset(reply, 'index.html'));
  app.get<{ Params: { name: string } }>('/ui/assets/:name', (request, reply) =>
    sendAsset(reply, request.params.name),
  );
  // The API: every route of this plugin needs the operator credential.
  void app.register((scope, _opts, done) => {
    scope.addHook('onRequest', requireOperator(credentials));
    registerReads(scope, context, metrics, hub, options);
    registerActions(scope, context, options);
    done();
  });
  return hub;
}
