/** Task operations (the Azure Batch REST reference "Tasks"); the bulk `createTasks` lives in create-tasks.ts. */
import {
  MAX_TASKS_PER_COLLECTION,
  type CloudTask,
  type SubtaskInformation,
  type TaskAddCollectionResult,
  type TaskAddParameter,
  type TaskUpdateParameter,
} from '@batchite/protocol';
import type { OperationName } from '../operation-policies.js';
import type { CallOptions, ConditionalOptions, GetOptions, ListOptions } from '../options.js';
import { pagedList, type PagedAsyncIterable } from '../paging.js';
import type { Pipeline } from '../pipeline.js';
import {
  conditionalHeaders,
  entityResult,
  seg,
  selectExpand,
  writeResult,
  type CreateResult,
  type WithResponse,
  type WriteResult,
} from './common.js';
import { createWithReconciliation } from './create.js';

export { MAX_TASKS_PER_COLLECTION };

export const taskPath = (jobId: string, taskId: string): string => `/jobs/${seg(jobId)}/tasks/${seg(taskId)}`;

export function createTask(
  pipeline: Pipeline,
  jobId: string,
  task: TaskAddParameter,
  options: CallOptions,
): Promise<CreateResult> {
  return createWithReconciliation(
    pipeline,
    {
      op: 'createTask',
      getOp: 'getTask',
      resourcePath: taskPath(jobId, task.id),
      label: `task ${task.id}`,
      request: { method: 'POST', path: `/jobs/${seg(jobId)}/tasks`, body: task, expect: [201], read: 'none' },
      sent: task,
      ids: { jobId, taskId: task.id },
    },
    options,
  );
}

/**
 * One add-task-collection request (≤ 100 tasks), retried as a whole on network errors, 5xx and throttling. Per-task
 * results are returned as the service sent them; use `createTasks` for chunking and per-item retries.
 */
export async function createTaskCollection(
  pipeline: Pipeline,
  jobId: string,
  tasks: readonly TaskAddParameter[],
  options: CallOptions,
): Promise<TaskAddCollectionResult & { attempts: number }> {
  if (tasks.length > MAX_TASKS_PER_COLLECTION) {
    throw new RangeError(
      `createTaskCollection takes at most ${MAX_TASKS_PER_COLLECTION} tasks (got ${tasks.length}); use createTasks`,
    );
  }
  const { response, attempts } = await pipeline.send(
    'createTaskCollection',
    {
      method: 'POST',
      path: `/jobs/${seg(jobId)}/addtaskcollection`,
      body: { value: tasks },
      expect: [200],
      read: 'json',
    },
    options,
    { jobId },
  );
  const body = (response?.body ?? {}) as TaskAddCollectionResult;
  return { value: body.value ?? [], attempts };
}

export async function getTask(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: GetOptions,
): Promise<WithResponse<CloudTask>> {
  const { response } = await pipeline.send(
    'getTask',
    {
      method: 'GET',
      path: taskPath(jobId, taskId),
      query: selectExpand(options),
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'json',
    },
    options,
    { jobId, taskId },
  );
  return entityResult<CloudTask>(response);
}

export function listTasks(
  pipeline: Pipeline,
  jobId: string,
  options: ListOptions,
): PagedAsyncIterable<CloudTask> {
  return pagedList<CloudTask>(pipeline, 'listTasks', `/jobs/${seg(jobId)}/tasks`, options, { jobId });
}

async function taskWrite(
  pipeline: Pipeline,
  op: OperationName,
  jobId: string,
  taskId: string,
  request: { method: 'PUT' | 'POST' | 'DELETE'; suffix?: string; body?: unknown; expect: readonly number[] },
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { suffix = '', ...rest } = request;
  const { response, attempts } = await pipeline.send(
    op,
    {
      ...rest,
      path: `${taskPath(jobId, taskId)}${suffix}`,
      headers: conditionalHeaders(options),
      read: 'none',
    },
    options,
    { jobId, taskId },
  );
  return writeResult(response, attempts);
}

/** PUT /jobs/{jobId}/tasks/{taskId}: replaces the task's updatable properties (its constraints). */
export function replaceTask(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  update: TaskUpdateParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return taskWrite(
    pipeline,
    'replaceTask',
    jobId,
    taskId,
    { method: 'PUT', body: update, expect: [200] },
    options,
  );
}

export function deleteTask(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  return taskWrite(pipeline, 'deleteTask', jobId, taskId, { method: 'DELETE', expect: [200] }, options);
}

export function terminateTask(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const request = { method: 'POST', suffix: '/terminate', expect: [204] } as const;
  return taskWrite(pipeline, 'terminateTask', jobId, taskId, request, options);
}

export function reactivateTask(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const request = { method: 'POST', suffix: '/reactivate', expect: [204] } as const;
  return taskWrite(pipeline, 'reactivateTask', jobId, taskId, request, options);
}

/** Subtasks of a multi-instance task (empty for others). */
export function listSubtasks(
  pipeline: Pipeline,
  jobId: string,
  taskId: string,
  options: CallOptions & { select?: string },
): PagedAsyncIterable<SubtaskInformation> {
  const listOptions: ListOptions = { ...options };
  return pagedList<SubtaskInformation>(
    pipeline,
    'listSubtasks',
    `${taskPath(jobId, taskId)}/subtasksinfo`,
    listOptions,
    {
      jobId,
      taskId,
    },
  );
}
