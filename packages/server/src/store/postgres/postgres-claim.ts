/**
 * The body of the claim transaction, as in sqlite-claim.ts: walk the pool's active jobs by priority and their
 * runnable tasks in insertion order, ask the policy what may start. What PostgreSQL adds:
 * - candidate tasks are locked `FOR UPDATE SKIP LOCKED`, a few at a time, so concurrent claims (any number of
 *   servers) split the queue between them instead of waiting or double-claiming;
 * - each job row is locked before its tasks: `FOR SHARE` normally (claims run side by side, a job write such as
 *   disable waits for them), `FOR UPDATE` when the policy limits the job's parallel tasks, so the running count
 *   the policy sees stays true until this claim commits.
 */
import { idKey } from '@batchite/protocol';
import type { PoolClient } from 'pg';
import type { JobDoc, TaskDoc } from '../documents.js';
import type { ClaimPolicy, ClaimRequest } from '../store.js';
import { SQL, type DocRow } from './postgres-sql.js';
import { TaskLookup } from './postgres-task-lookup.js';
import { rowsOf } from './postgres-transaction.js';

/** How many candidate tasks one claim looks at per job, so blocked tasks cannot make claims slow. */
export const CLAIM_SCAN_LIMIT = 2000;
/** Most candidates locked per round trip. */
const CLAIM_SCAN_BATCH = 200;

export interface StartedTask {
  jobKey: string;
  task: TaskDoc;
}

/** Slots a started task holds (its lease says when it took more than it asked for). */
function slotsOf(task: TaskDoc): number {
  return task.internal.lease?.slots ?? task.entity.requiredSlots ?? 1;
}

/** Claims for one node; the caller stamps and writes the started tasks in the same transaction. */
export async function claimInTransaction(
  client: PoolClient,
  request: ClaimRequest,
  policy: ClaimPolicy,
): Promise<StartedTask[]> {
  const poolKey = idKey(request.poolId);
  const started: StartedTask[] = [];
  let free = request.freeSlots;
  for (const row of await rowsOf<DocRow>(client, SQL.claimableJobs, [poolKey, request.now])) {
    if (free <= 0) break;
    const job = await lockJob(client, JSON.parse(row.doc) as JobDoc, poolKey, policy);
    if (job === undefined) continue;
    const jobKey = idKey(job.entity.id);
    const slots = { free, node: request.nodeSlots ?? request.freeSlots };
    for (const task of await claimFromJob(client, job, slots, request.now, policy)) {
      started.push({ jobKey, task });
      free -= slotsOf(task);
    }
  }
  return started;
}

/** Locks the job row and returns its current document; undefined when it stopped being claimable. */
export async function lockJob(
  client: PoolClient,
  listed: JobDoc,
  poolKey: string,
  policy: Pick<ClaimPolicy, 'jobAllowance'>,
): Promise<JobDoc | undefined> {
  const limited = Number.isFinite(policy.jobAllowance(listed, 0));
  const statement = limited ? SQL.lockClaimJob : SQL.shareClaimJob;
  const [row] = await rowsOf<DocRow>(client, statement, [idKey(listed.entity.id), poolKey]);
  return row === undefined ? undefined : (JSON.parse(row.doc) as JobDoc);
}

/** Starts what the policy allows from one job, reading and locking candidates in `seq` order. */
async function claimFromJob(
  client: PoolClient,
  job: JobDoc,
  slots: { free: number; node: number },
  now: number,
  policy: ClaimPolicy,
): Promise<TaskDoc[]> {
  const jobKey = idKey(job.entity.id);
  const [count] = await rowsOf<{ n: number }>(client, SQL.runningCount, [jobKey]);
  let allowance = policy.jobAllowance(job, count?.n ?? 0);
  let free = slots.free;
  const lookup = new TaskLookup(client, jobKey);
  const started: TaskDoc[] = [];
  let afterSeq = '0';
  let scanned = 0;
  while (free > 0 && allowance > 0 && scanned < CLAIM_SCAN_LIMIT) {
    // Lock no more than could start (each start takes a slot and an allowance), growing as candidates are
    // refused, so a claim for one slot does not hide a batch of tasks from the other claims.
    const limit = Math.min(
      Math.max(Math.min(free, allowance), scanned, 1),
      CLAIM_SCAN_BATCH,
      CLAIM_SCAN_LIMIT - scanned,
    );
    const rows = await rowsOf<DocRow & { seq: string }>(client, SQL.lockRunnableTasks, [
      jobKey,
      now,
      afterSeq,
      limit,
    ]);
    for (const row of rows) {
      afterSeq = row.seq;
      scanned++;
      const task = JSON.parse(row.doc) as TaskDoc;
      const needed = policy.slotsOn(task, slots.node);
      if (needed > free || !(await lookup.runnable(policy, task, job))) continue;
      const next = policy.start(task, job, needed);
      lookup.remember(next);
      started.push(next);
      free -= slotsOf(next);
      allowance--;
      if (allowance <= 0 || free <= 0) break;
    }
    if (rows.length < limit) break;
  }
  return started;
}
