/**
 * Following a `batchite run` job until every task completed (or the job ended): task counts from the service each
 * poll, the number of retried tasks from an incremental task list (only tasks whose state changed since the last
 * poll), and the top wait reason from the job-wide `why` every few seconds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchClient } from '@batchite/client';
import type { TaskCounts } from '@batchite/protocol';
import { CliError, EXIT } from './cli-errors.js';
import type { ProgressView } from './run-progress.js';

/** Transitions this close to the newest one seen are listed again, in case they committed late. */
const WATERMARK_SLACK_MS = 2000;
/** How often the top wait reason is asked for while tasks wait. */
const REASON_EVERY_MS = 5000;

/** Counts tasks retried at least once, listing only tasks whose state changed since the previous call. */
export class RetryTracker {
  readonly #retries = new Map<string, number>();
  #watermark: number | undefined;

  constructor(
    private readonly client: BatchClient,
    private readonly jobId: string,
  ) {}

  async refresh(signal?: AbortSignal): Promise<number> {
    const since = this.#watermark;
    const filter =
      since === undefined
        ? undefined
        : `stateTransitionTime ge ${new Date(since - WATERMARK_SLACK_MS).toISOString()}`;
    for await (const task of this.client.listTasks(this.jobId, {
      select: 'id,stateTransitionTime,executionInfo',
      ...(filter === undefined ? {} : { filter }),
      ...(signal === undefined ? {} : { signal }),
    })) {
      if (task.id !== undefined) this.#retries.set(task.id, task.executionInfo?.retryCount ?? 0);
      const changed = task.stateTransitionTime === undefined ? NaN : Date.parse(task.stateTransitionTime);
      if (Number.isFinite(changed)) this.#watermark = Math.max(this.#watermark ?? changed, changed);
    }
    let retried = 0;
    for (const count of this.#retries.values()) if (count > 0) retried++;
    return retried;
  }
}

export interface FollowOptions {
  client: BatchClient;
  jobId: string;
  /** Tasks added by this run. */
  total: number;
  intervalMs: number;
  progress: ProgressView;
  signal: AbortSignal;
}

export interface FollowResult {
  counts: TaskCounts;
  /** The job ended (terminated, deleted) before every task completed. */
  jobEnded: boolean;
}

async function topReason(
  client: BatchClient,
  jobId: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    return (await client.why(jobId, { signal })).waiting[0]?.code;
  } catch {
    return undefined; // The reason is a nicety; a server without it still runs jobs.
  }
}

export async function followJob(options: FollowOptions): Promise<FollowResult> {
  const { client, jobId, total, progress, signal } = options;
  const tracker = new RetryTracker(client, jobId);
  let reason: string | undefined;
  let reasonAt = Number.NEGATIVE_INFINITY;
  for (;;) {
    const job = await client.getJob(jobId, { select: 'id,state', signal });
    const { taskCounts: counts } = await client.getJobTaskCounts(jobId, { signal });
    const retried = await tracker.refresh(signal);
    if (counts.active === 0) reason = undefined;
    else if (Date.now() - reasonAt >= REASON_EVERY_MS) {
      reason = await topReason(client, jobId, signal);
      reasonAt = Date.now();
      // The pool was deleted under the job: its waiting tasks would keep this loop busy forever.
      if (reason === 'PoolNotFound') {
        throw new CliError(
          `the pool of job ${jobId} no longer exists; its ${counts.active} waiting task(s) will never run`,
          EXIT.failed,
          `batchite job terminate ${jobId}, then run again on an existing pool (batchite pool list)`,
        );
      }
    }
    progress.update({ ...counts, total, retried, reason });
    if (counts.completed >= total) return { counts, jobEnded: false };
    // A terminated job never runs its waiting tasks: stop once nothing runs any more.
    const ended = job.state === 'completed' || job.state === 'deleting';
    if (ended && counts.running === 0) return { counts, jobEnded: true };
    await sleep(options.intervalMs, undefined, { signal });
  }
}
