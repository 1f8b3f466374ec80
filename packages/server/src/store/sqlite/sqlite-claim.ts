import { idKey } from '@batchite/protocol';
import type { JobDoc, TaskDoc } from '../documents.js';
import type { ClaimPolicy, ClaimRequest } from '../store.js';
import type { DocRow, Statements } from './sqlite-statements.js';
import { rangeIsSatisfied } from './sqlite-task-ranges.js';
import { memoizedRanges } from '../task-ranges.js';

/** How many candidate tasks one claim looks at per job, so blocked tasks cannot make claims slow. */
export const CLAIM_SCAN_LIMIT = 2000;

export interface StartedTask {
  jobKey: string;
  task: TaskDoc;
}

function parse<D>(row: DocRow | undefined): D | undefined {
  return row === undefined ? undefined : (JSON.parse(row.doc) as D);
}

/**
 * The body of the claim transaction: walks the pool's active jobs by priority and their runnable tasks in
 * insertion order, asking the policy what may start. Candidates are read one at a time (a claim for one slot
 * parses one document, not a batch). The started tasks come back unwritten, so the caller stamps them with one
 * eTag range; until then, lookups see them as started.
 */
export function claimInTransaction(
  statements: Statements,
  request: ClaimRequest,
  policy: ClaimPolicy,
): StartedTask[] {
  const claimed: StartedTask[] = [];
  let free = request.freeSlots;
  const nodeSlots = request.nodeSlots ?? request.freeSlots;
  if (free <= 0) return claimed;
  for (const jobRow of statements.activePoolJobs.iterate(idKey(request.poolId))) {
    const job = JSON.parse(jobRow.doc) as JobDoc;
    const jobKey = idKey(job.entity.id);
    const allowance = policy.jobAllowance(job, statements.runningCount.get(jobKey)?.n ?? 0);
    if (allowance <= 0) continue;
    const started = new Map<string, TaskDoc>();
    const lookup = (taskId: string) =>
      started.get(idKey(taskId)) ?? parse<TaskDoc>(statements.getTask.get(jobKey, idKey(taskId)));
    // Tasks started by this claim were active and are now running: neither satisfies, so the stored rows answer.
    const range = memoizedRanges((start, end) => rangeIsSatisfied(statements.ranges, jobKey, start, end));
    for (const row of statements.runnableTasks.iterate(jobKey, request.now, CLAIM_SCAN_LIMIT)) {
      const task = JSON.parse(row.doc) as TaskDoc;
      const slots = policy.slotsOn(task, nodeSlots);
      if (slots > free || !policy.runnable(task, job, lookup, range)) continue;
      const next = policy.start(task, job, slots);
      started.set(idKey(next.entity.id), next);
      claimed.push({ jobKey, task: next });
      free -= slots;
      if (started.size >= allowance || free <= 0) break;
    }
    if (free <= 0) break;
  }
  return claimed;
}
