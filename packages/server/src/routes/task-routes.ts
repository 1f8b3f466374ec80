import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  filterEquals,
  idKey,
  MAX_TASKS_PER_COLLECTION,
  TASK_FILTER_SCHEMA,
  validateTaskAdd,
  validateTaskUpdate,
  type TaskAddParameter,
  type TaskAddResult,
} from '@batchite/protocol';
import { apiError, type ApiError } from '../http/api-error.js';
import { readJson } from '../http/body.js';
import { checkConditions } from '../http/conditions.js';
import { expandsStats } from '../http/expand.js';
import { collectPage } from '../http/list.js';
import { nextPageLink, readPageRequest } from '../http/paging.js';
import { setJsonHeaders } from '../http/request-context.js';
import { metadataUrl, resourceUrl, sendEntity, sendList, sendWrite } from '../http/responses.js';
import { getJob } from '../services/jobs-service.js';
import { isoNow, type ServiceContext } from '../services/service-context.js';
import { taskStatistics } from '../services/statistics.js';
import { listSubtasks } from '../services/subtasks.js';
import * as tasks from '../services/tasks-service.js';
import type { TaskDoc } from '../store/documents.js';
import {
  conditionCheck,
  filterMatcher,
  readFilter,
  validated,
  type JobParams,
  type TaskParams,
} from './route-helpers.js';

export function taskUrl(request: FastifyRequest, jobId: string, taskId: string): string {
  return resourceUrl(request, `/jobs/${jobId}/tasks/${taskId}`);
}

function present(request: FastifyRequest, task: TaskDoc, stats: false | string) {
  const url = taskUrl(request, task.jobId, task.entity.id);
  if (stats === false) return { ...task.entity, url };
  return { ...task.entity, url, stats: taskStatistics(`${url}/stats`, task, stats) };
}

/** The time stats are answered at, or false when `$expand=stats` is absent. */
function statsTime(context: ServiceContext, request: FastifyRequest): false | string {
  return expandsStats(request) && isoNow(context);
}

function clientError(taskId: string, error: ApiError): TaskAddResult {
  return {
    status: 'clienterror',
    taskId,
    error: {
      code: error.code,
      message: { lang: 'en-US', value: error.message },
      ...(error.values.length > 0 ? { values: [...error.values] } : {}),
    },
  };
}

function collectionItems(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiError('InvalidRequestBody', {
      values: [{ key: 'Reason', value: 'Expected an object { value: [...] }.' }],
    });
  }
  const value = (body as { value?: unknown }).value;
  if (value === undefined)
    throw apiError('MissingRequiredProperty', { values: [{ key: 'PropertyName', value: 'value' }] });
  if (!Array.isArray(value)) {
    throw apiError('InvalidPropertyValue', {
      values: [
        { key: 'PropertyName', value: 'value' },
        { key: 'Reason', value: 'value must be an array of tasks.' },
      ],
    });
  }
  if (value.length > MAX_TASKS_PER_COLLECTION) {
    throw apiError('RequestBodyTooLarge', {
      message: `The number of tasks in the request (${value.length}) exceeds the maximum of ${MAX_TASKS_PER_COLLECTION}.`,
      values: [
        { key: 'Reason', value: `At most ${MAX_TASKS_PER_COLLECTION} tasks per addtaskcollection call.` },
      ],
    });
  }
  return value;
}

async function addCollection(context: ServiceContext, request: FastifyRequest<{ Params: JobParams }>) {
  const items = collectionItems(readJson(request, true));
  const results: (TaskAddResult | undefined)[] = new Array<TaskAddResult | undefined>(items.length);
  const valid: { index: number; param: TaskAddParameter }[] = [];
  items.forEach((item, index) => {
    const result = validateTaskAdd(item);
    if (result.ok) valid.push({ index, param: result.value });
    else {
      const rawId = (item as { id?: unknown } | null)?.id;
      const error = apiError(result.error.code, {
        message: result.error.message,
        values: result.error.values,
      });
      results[index] = clientError(typeof rawId === 'string' ? rawId : '', error);
    }
  });
  const job = await getJob(context, request.params.jobId);
  const outcomes = await tasks.addTasks(
    context,
    job.entity.id,
    valid.map((entry) => entry.param),
  );
  outcomes.forEach((outcome, position) => {
    const index = valid[position]!.index;
    results[index] =
      outcome.doc === undefined
        ? clientError(outcome.taskId, outcome.error ?? apiError('InternalError'))
        : {
            status: 'success',
            taskId: outcome.doc.entity.id,
            eTag: outcome.doc.entity.eTag!,
            lastModified: outcome.doc.entity.lastModified!,
            location: taskUrl(request, job.entity.id, outcome.doc.entity.id),
          };
  });
  return { 'odata.metadata': metadataUrl(request, 'taskaddresult', false), value: results };
}

export function registerTaskRoutes(app: FastifyInstance, context: ServiceContext): void {
  app.post<{ Params: JobParams }>('/jobs/:jobId/tasks', async (request, reply) => {
    const param = validated(validateTaskAdd(readJson(request, true)));
    const [outcome] = await tasks.addTasks(context, request.params.jobId, [param]);
    if (outcome?.doc === undefined) throw outcome?.error ?? apiError('InternalError');
    const task = outcome.doc;
    return sendWrite(reply, 201, {
      entity: task.entity,
      dataServiceId: taskUrl(request, task.jobId, task.entity.id),
    });
  });

  app.post<{ Params: JobParams }>('/jobs/:jobId/addtaskcollection', async (request, reply) => {
    const body = await addCollection(context, request);
    setJsonHeaders(reply);
    return reply.code(200).send(JSON.stringify(body));
  });

  app.get<{ Params: JobParams }>('/jobs/:jobId/tasks', async (request, reply) => {
    const stats = statsTime(context, request);
    const job = await getJob(context, request.params.jobId);
    const filter = readFilter(request, TASK_FILTER_SCHEMA);
    const matches = filterMatcher(filter);
    const state = filter === undefined ? undefined : filterEquals(filter, 'state')?.toLowerCase();
    const page = await collectPage(
      (afterKey, limit) =>
        context.store.listTasks(job.entity.id, {
          limit,
          ...(afterKey === undefined ? {} : { afterKey }),
          ...(state === undefined ? {} : { state }),
        }),
      (task) => idKey(task.entity.id),
      (task) => matches(task.entity),
      readPageRequest(request),
    );
    const next = page.lastKey === undefined ? undefined : nextPageLink(request, page.lastKey);
    return sendList(
      request,
      reply,
      'tasks',
      page.items.map((task) => present(request, task, stats)),
      next,
    );
  });

  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId', async (request, reply) => {
    const stats = statsTime(context, request);
    const task = await tasks.getTask(context, request.params.jobId, request.params.taskId);
    checkConditions(request, task.entity, 'read');
    reply.header('dataserviceid', taskUrl(request, task.jobId, task.entity.id));
    return sendEntity(request, reply, 'tasks', present(request, task, stats));
  });

  app.put<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId', async (request, reply) => {
    const { constraints } = validated(validateTaskUpdate(readJson(request, false) ?? {}));
    const { jobId, taskId } = request.params;
    const task = await tasks.updateTask(context, jobId, taskId, constraints, conditionCheck(request));
    return sendWrite(reply, 200, {
      entity: task.entity,
      dataServiceId: taskUrl(request, task.jobId, task.entity.id),
    });
  });

  app.delete<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId', async (request, reply) => {
    await tasks.deleteTask(context, request.params.jobId, request.params.taskId, conditionCheck(request));
    return sendWrite(reply, 200);
  });

  app.post<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/terminate', async (request, reply) => {
    const { jobId, taskId } = request.params;
    const task = await tasks.terminateTask(context, jobId, taskId, conditionCheck(request));
    return sendWrite(reply, 204, {
      entity: task.entity,
      dataServiceId: taskUrl(request, task.jobId, task.entity.id),
    });
  });

  app.post<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/reactivate', async (request, reply) => {
    const { jobId, taskId } = request.params;
    const task = await tasks.reactivateTask(context, jobId, taskId, conditionCheck(request));
    return sendWrite(reply, 204, {
      entity: task.entity,
      dataServiceId: taskUrl(request, task.jobId, task.entity.id),
    });
  });

  app.get<{ Params: TaskParams }>('/jobs/:jobId/tasks/:taskId/subtasksinfo', async (request, reply) => {
    const task = await tasks.getTask(context, request.params.jobId, request.params.taskId);
    reply.header('etag', task.entity.eTag);
    const subtasks = listSubtasks(task, resourceUrl(request, ''));
    return sendList(request, reply, 'subtasksinfo', subtasks, undefined);
  });
}
