/**
 * The dashboard's job view: the job, its counts and wait-reason histogram (one snapshot, so they agree), and
 * its task table — filtered by state in the store and paged by id key, so it stays fast at 10k+ tasks.
 */
import { idKey } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { getJob } from '../services/jobs-service.js';
import type { ServiceContext } from '../services/service-context.js';
import type { JobExplanation } from '@batchite/protocol';
import { slicer } from '../services/dependency-status.js';
import { explainJob, explainTask, poolView, waitReasons, type PoolView } from '../services/why.js';
import type { StderrHeads } from './ui-failures.js';
import { jobActions, type UiJobActions } from './ui-job-actions.js';
import { uiJobSummary, type UiJobSummary } from './ui-overview.js';

export interface UiJob extends UiJobSummary {
  stateTransitionTime?: string;
  maxParallelTasks: number;
  onAllTasksComplete: string;
  onTaskFailure: string;
  usesTaskDependencies: boolean;
  terminateReason?: string;
  why: JobExplanation;
  /** What the dashboard's job buttons may do now. */
  actions: UiJobActions;
}

/** Filters of the task table. `succeeded`/`failed` are completed tasks by result. */
export const TASK_FILTERS = [
  'all',
  'active',
  'preparing',
  'running',
  'completed',
  'succeeded',
  'failed',
] as const;
export type TaskFilter = (typeof TASK_FILTERS)[number];

export const TASK_PAGE = Object.freeze({ defaultLimit: 50, maxLimit: 500, scanBatch: 500, maxScan: 20_000 });

export interface UiTaskRow {
  id: string;
  state: string;
  exitCode?: number;
  result?: string;
  retryCount: number;
  requeueCount: number;
  nodeId?: string;
  startTime?: string;
  endTime?: string;
  /** Why it waits (active tasks) or how it failed (failed tasks). */
  reason?: { code: string; outlook?: string; message: string };
  /** A failed task's first stderr line, which says more than the failure code. */
  stderr?: string;
}

export interface UiTaskPage {
  filter: TaskFilter;
  tasks: UiTaskRow[];
  /** Cursor for the next page (the id key of the last task looked at), absent on the last page. */
  next?: string;
}

export async function buildJobView(context: ServiceContext, jobId: string): Promise<UiJob> {
  const job = await getJob(context, jobId);
  const why = await explainJob(context, job.entity.id);
  const summary = uiJobSummary(job, why.counts);
  const view: UiJob = {
    // The histogram's counts, so the panel and the tiles come from one snapshot.
    ...summary,
    maxParallelTasks: job.entity.maxParallelTasks ?? -1,
    onAllTasksComplete: job.entity.onAllTasksComplete ?? 'noaction',
    onTaskFailure: job.entity.onTaskFailure ?? 'noaction',
    usesTaskDependencies: job.entity.usesTaskDependencies ?? false,
    why,
    actions: jobActions(job.entity.state, summary.counts.failed),
  };
  if (job.entity.stateTransitionTime !== undefined) view.stateTransitionTime = job.entity.stateTransitionTime;
  const reason = job.entity.executionInfo?.terminateReason;
  if (reason !== undefined) view.terminateReason = reason;
  return view;
}

export function parseTaskFilter(value: string | undefined): TaskFilter {
  if (value === undefined || value === '') return 'all';
  if ((TASK_FILTERS as readonly string[]).includes(value)) return value as TaskFilter;
  throw apiError('InvalidQueryParameterValue', {
    message: `state must be one of ${TASK_FILTERS.join(', ')}.`,
    values: [
      { key: 'QueryParameterName', value: 'state' },
      { key: 'QueryParameterValue', value },
    ],
  });
}

function storeState(filter: TaskFilter): string | undefined {
  if (filter === 'all') return undefined;
  return filter === 'succeeded' || filter === 'failed' ? 'completed' : filter;
}

function keep(filter: TaskFilter, task: TaskDoc): boolean {
  if (filter === 'succeeded') return task.entity.executionInfo?.result === 'success';
  if (filter === 'failed') return task.entity.executionInfo?.result === 'failure';
  return true;
}

function taskRow(task: TaskDoc): UiTaskRow {
  const info = task.entity.executionInfo;
  const row: UiTaskRow = {
    id: task.entity.id,
    state: task.entity.state ?? 'active',
    retryCount: info?.retryCount ?? 0,
    requeueCount: info?.requeueCount ?? 0,
  };
  if (info?.exitCode !== undefined) row.exitCode = info.exitCode;
  if (info?.result !== undefined) row.result = info.result;
  if (info?.startTime !== undefined) row.startTime = info.startTime;
  if (info?.endTime !== undefined) row.endTime = info.endTime;
  if (task.entity.nodeInfo?.nodeId !== undefined) row.nodeId = task.entity.nodeInfo.nodeId;
  const failure = info?.failureInfo;
  if (info?.result === 'failure' && failure !== undefined) {
    row.reason = { code: failure.code ?? 'Failure', message: failure.message ?? '' };
  }
  return row;
}

/** Wait reasons of a page's active tasks; the pool view is gathered once for the whole page. */
async function addWaitReasons(context: ServiceContext, job: JobDoc, rows: UiTaskRow[], docs: TaskDoc[]) {
  const active = docs.filter((doc) => (doc.entity.state ?? 'active') === 'active');
  if (active.length === 0) return;
  const view: PoolView = await poolView(context, job);
  const now = context.clock.now();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const pause = slicer();
  for (const doc of active) {
    await pause();
    const row = byId.get(doc.entity.id);
    if (row === undefined) continue;
    // Tasks with dependencies need their parents: the per-task explanation reads them.
    const primary =
      doc.entity.dependsOn === undefined
        ? waitReasons(doc, job, view, undefined, now)[0]
        : (await explainTask(context, job.entity.id, doc.entity.id)).waitInfo;
    if (primary !== undefined)
      row.reason = { code: primary.code, outlook: primary.outlook, message: primary.message };
  }
}

/** First stderr lines of a page's failed tasks (a page is at most `TASK_PAGE.maxLimit` rows; heads are cached). */
async function addStderr(heads: StderrHeads, rows: UiTaskRow[], docs: TaskDoc[]) {
  const failed = docs.filter((doc) => doc.entity.executionInfo?.result === 'failure');
  const lines = await heads.firstLines(failed);
  const byId = new Map(rows.map((row) => [row.id, row]));
  failed.forEach((doc, index) => {
    const row = byId.get(doc.entity.id);
    const line = lines[index];
    if (row !== undefined && line !== undefined) row.stderr = line;
  });
}

export interface TaskPageQuery {
  filter: TaskFilter;
  after?: string;
  limit: number;
}

/** One page of the task table. `failed`/`succeeded` scan completed tasks in batches, bounded per request. */
export async function buildTaskPage(
  context: ServiceContext,
  jobId: string,
  query: TaskPageQuery,
  heads?: StderrHeads,
): Promise<UiTaskPage> {
  const job = await getJob(context, jobId);
  const state = storeState(query.filter);
  const docs: TaskDoc[] = [];
  let afterKey = query.after;
  let scanned = 0;
  let atEnd = false;
  while (docs.length < query.limit && scanned < TASK_PAGE.maxScan) {
    const batch = Math.min(TASK_PAGE.scanBatch, Math.max(query.limit - docs.length, query.limit * 4));
    const found = await context.store.listTasks(job.entity.id, {
      limit: batch,
      ...(afterKey === undefined ? {} : { afterKey }),
      ...(state === undefined ? {} : { state }),
    });
    scanned += found.length;
    let used = 0;
    for (const task of found) {
      if (docs.length >= query.limit) break;
      used++;
      afterKey = idKey(task.entity.id);
      if (keep(query.filter, task)) docs.push(task);
    }
    if (found.length < batch && used === found.length) {
      atEnd = true;
      break;
    }
  }
  const rows = docs.map(taskRow);
  await addWaitReasons(context, job, rows, docs);
  if (heads !== undefined) await addStderr(heads, rows, docs);
  const page: UiTaskPage = { filter: query.filter, tasks: rows };
  if (!atEnd && afterKey !== undefined) page.next = afterKey;
  return page;
}
