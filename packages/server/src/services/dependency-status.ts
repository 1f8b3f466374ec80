/**
 * Where a task's parents stand, for `why` and the dashboard: counts over every parent and samples of the ids
 * that hold it back. Named ids are read one by one (at most 64,000 characters of them); ranges are answered by
 * the store's indexed counts, so the cost follows the tasks that exist, never a range's width (up to 2^31).
 * Long lists yield to the event loop between chunks, so one explanation never stalls other requests.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { TaskDoc } from '../store/documents.js';
import { rangeWidth, type TaskRangeSummary } from '../store/task-ranges.js';
import { mergedRanges, parentSatisfied } from './scheduler-policy.js';
import type { ServiceContext } from './service-context.js';

/** Most ids listed in each sample. */
export const PARENT_SAMPLE = 100;
/** Existing ids read per page while looking for missing ones. */
const MISSING_PAGE = 1000;
/** Work between two yields to the event loop. */
const SLICE_MS = 5;

export interface ParentStatus {
  /** Parents named: task ids plus the width of every (merged) range. */
  total: number;
  /** Completed parents that block for good (failed without `dependencyAction: satisfy`). */
  failedCount: number;
  failed: string[];
  /** Exit code of the first failed parent, when known. */
  firstFailedExitCode?: number;
  /** Parents not satisfied yet, missing ones included. */
  waitingCount: number;
  waiting: string[];
  /** Parents that do not exist (yet). */
  missingCount: number;
  missing: string[];
}

function push(list: string[], id: string): void {
  if (list.length < PARENT_SAMPLE) list.push(id);
}

/**
 * A pause to await between items of a long loop: it yields to the event loop once `SLICE_MS` of work have passed
 * (awaiting the SQLite store alone never does: its answers are already-resolved promises).
 */
export function slicer(): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await yieldToLoop();
    sliceStart = performance.now();
  };
}

export async function parentStatus(
  context: ServiceContext,
  task: TaskDoc,
): Promise<ParentStatus | undefined> {
  const dependsOn = task.entity.dependsOn;
  if (dependsOn === undefined) return undefined;
  const status: ParentStatus = {
    total: 0,
    failedCount: 0,
    failed: [],
    waitingCount: 0,
    waiting: [],
    missingCount: 0,
    missing: [],
  };
  const pause = slicer();
  for (const id of dependsOn.taskIds ?? []) {
    await pause();
    noteParent(status, id, await context.store.getTask(task.jobId, id));
  }
  for (const range of mergedRanges(dependsOn.taskIdRanges ?? [])) {
    await pause();
    await noteRange(context, task.jobId, status, range.start, range.end, pause);
  }
  return status;
}

function noteParent(status: ParentStatus, id: string, parent: TaskDoc | undefined): void {
  status.total++;
  if (parentSatisfied(parent)) return;
  status.waitingCount++;
  push(status.waiting, id);
  if (parent === undefined) {
    status.missingCount++;
    push(status.missing, id);
  } else if (parent.entity.state === 'completed') {
    if (status.failedCount === 0) {
      const exitCode = parent.entity.executionInfo?.exitCode;
      if (exitCode !== undefined) status.firstFailedExitCode = exitCode;
    }
    status.failedCount++;
    push(status.failed, id);
  }
}

async function noteRange(
  context: ServiceContext,
  jobId: string,
  status: ParentStatus,
  start: number,
  end: number,
  pause: () => Promise<void>,
): Promise<void> {
  const width = rangeWidth(start, end);
  const summary: TaskRangeSummary = await context.store.summarizeTaskRange(jobId, start, end);
  status.total += width;
  const missing = width - summary.present;
  status.waitingCount += width - summary.satisfied;
  status.missingCount += missing;
  let blocking: number[] = [];
  if (summary.blocking > 0) {
    const ids = await context.store.listTaskRangeIds(jobId, start, end, 'blocking', PARENT_SAMPLE);
    blocking = ids;
    if (status.failedCount === 0 && ids[0] !== undefined) {
      const exitCode = (await context.store.getTask(jobId, String(ids[0])))?.entity.executionInfo?.exitCode;
      if (exitCode !== undefined) status.firstFailedExitCode = exitCode;
    }
    status.failedCount += summary.blocking;
    for (const id of ids) push(status.failed, String(id));
  }
  const open = summary.present - summary.satisfied - summary.blocking;
  if (summary.satisfied < summary.present && status.waiting.length < PARENT_SAMPLE) {
    const ids =
      open > 0 ? await context.store.listTaskRangeIds(jobId, start, end, 'open', PARENT_SAMPLE) : [];
    for (const id of [...ids, ...blocking].sort((a, b) => a - b)) push(status.waiting, String(id));
  }
  if (missing > 0 && status.missing.length < PARENT_SAMPLE) {
    const wanted = PARENT_SAMPLE - status.missing.length;
    for (const id of await missingIds(context, jobId, { start, end }, wanted, pause)) {
      push(status.missing, id);
      push(status.waiting, id);
    }
  }
}

/**
 * The first missing ids of a range: the gaps between the tasks that exist, read from the range's start in
 * pages. Stops after `limit` ids; pages read are bounded by the tasks that exist.
 */
async function missingIds(
  context: ServiceContext,
  jobId: string,
  { start, end }: { start: number; end: number },
  limit: number,
  pause: () => Promise<void>,
): Promise<string[]> {
  const out: string[] = [];
  let next = start;
  while (out.length < limit && next <= end) {
    await pause();
    const present = await context.store.listTaskRangeIds(jobId, next, end, 'present', MISSING_PAGE);
    const lastPage = present.length < MISSING_PAGE;
    for (const number of lastPage ? [...present, end + 1] : present) {
      while (next < number && out.length < limit) out.push(String(next++));
      if (out.length >= limit) break;
      next = number + 1;
    }
    if (lastPage) break;
  }
  return out;
}
