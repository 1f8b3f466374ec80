import { idKey } from '@batchite/protocol';
import type { JobDoc, TaskDoc } from '../documents.js';
import type { ClaimPolicy, ClaimRequest } from '../store.js';
import type { DocRow, Statements } from './sqlite-statements.js';

/** How many candidate tasks one claim looks at per job, so blocked tasks cannot make claims slow. */
export const CLAIM_SCAN_LIMIT = 2000;
const CLAIM_SCAN_BATCH = 200;

function parse<D>(row: DocRow | undefined): D | undefined {
  return row === undefined ? undefined : (JSON.parse(row.doc) as D);
}

/**
 * The body of the claim transaction: walks the pool's active jobs by priority and their runnable tasks in
 * insertion order, asking the policy what may start, and hands each started task to `write`.
 */
export function claimInTransaction(
  statements: Statements,
  request: ClaimRequest,
  policy: ClaimPolicy,
  write: (jobKey: string, task: TaskDoc) => TaskDoc,
): TaskDoc[] {
  const claimed: TaskDoc[] = [];
  let free = request.freeSlots;
  for (const jobRow of statements.activePoolJobs.all(idKey(request.poolId))) {
    if (free <= 0) break;
    const job = JSON.parse(jobRow.doc) as JobDoc;
    const jobKey = idKey(job.entity.id);
    let allowance = policy.jobAllowance(job, statements.runningCount.get(jobKey)?.n ?? 0);
    const lookup = (taskId: string) => parse<TaskDoc>(statements.getTask.get(jobKey, idKey(taskId)));
    let afterSeq = -1;
    let scanned = 0;
    while (free > 0 && allowance > 0 && scanned < CLAIM_SCAN_LIMIT) {
      const rows = statements.runnableTasks.all(jobKey, request.now, afterSeq, CLAIM_SCAN_BATCH);
      for (const row of rows) {
        afterSeq = row.seq;
        scanned++;
        const task = JSON.parse(row.doc) as TaskDoc;
        if ((task.entity.requiredSlots ?? 1) > free || !policy.runnable(task, job, lookup)) continue;
        const started = write(jobKey, policy.start(task, job));
        claimed.push(started);
        free -= started.entity.requiredSlots ?? 1;
        allowance--;
        if (allowance <= 0 || free <= 0) break;
      }
      if (rows.length < CLAIM_SCAN_BATCH) break;
    }
  }
  return claimed;
}
