/**
 * Waiting for work to finish: `waitForJob` (every task of a job completed, or the job ended) and `waitForTasks` (the
 * given tasks, or all of the job's, completed). Each poll is an ordinary client call, so it goes through the retry
 * engine like any other; the poll interval starts short and grows while nothing changes. Time comes from the retry
 * engine's clock, so a client built with a fake clock (`retry: { clock }`) has fake waits too.
 */
import type { CloudTask, TaskCounts } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import { BatchError } from './batch-error.js';
import type { BatchClient } from './batch-client.js';

export interface WaitOptions<P> {
  /** Called after the first poll and after every poll that saw a change. An exception ends the wait with it. */
  onProgress?: (progress: P) => void;
  /** Ends the wait at once (a poll in flight is cancelled); rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Longest total wait; then the wait rejects with a `BatchError` of kind `timeout`, code `WaitTimeout`.
   * @defaultValue no limit
   */
  timeoutMs?: number;
  /** First poll interval, and the interval again after a change. @defaultValue 500 */
  intervalMs?: number;
  /** Longest poll interval (it grows ×1.5 per poll without a change). @defaultValue 5000 */
  maxIntervalMs?: number;
}

export const DEFAULT_WAIT_OPTIONS = Object.freeze({
  timeoutMs: Number.POSITIVE_INFINITY,
  intervalMs: 500,
  maxIntervalMs: 5000,
  /** Growth of the interval after a poll that saw no change. */
  growth: 1.5,
});

/** `code` of the `BatchError` (kind `timeout`) a wait rejects with when `timeoutMs` passes. */
export const WAIT_TIMEOUT_CODE = 'WaitTimeout';

/** What `waitForTasks` reports: the awaited tasks by state (`running` includes preparing). */
export interface TaskWaitProgress {
  total: number;
  active: number;
  running: number;
  completed: number;
}

type WaitClient = Pick<BatchClient, 'getJob' | 'getJobTaskCounts' | 'listTasks'>;

interface Poll<P, R> {
  /** One look: the progress, and the result once the wait is over. */
  (signal: AbortSignal): Promise<{ progress: P; done?: R }>;
}

function resolveWait<P>(options: WaitOptions<P>) {
  const resolved = {
    timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_OPTIONS.timeoutMs,
    intervalMs: options.intervalMs ?? DEFAULT_WAIT_OPTIONS.intervalMs,
    maxIntervalMs:
      options.maxIntervalMs ?? Math.max(DEFAULT_WAIT_OPTIONS.maxIntervalMs, options.intervalMs ?? 0),
  };
  if (!(resolved.timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number of milliseconds');
  if (!(resolved.intervalMs > 0 && Number.isFinite(resolved.intervalMs)))
    throw new TypeError('intervalMs must be a positive, finite number of milliseconds');
  if (!(resolved.maxIntervalMs >= resolved.intervalMs && Number.isFinite(resolved.maxIntervalMs)))
    throw new TypeError('maxIntervalMs must be finite and at least intervalMs');
  return resolved;
}

/** Polls until `poll` says done, reporting changed progress; honours the signal at once and the timeout. */
async function pollUntil<P, R>(
  clock: Clock,
  poll: Poll<P, R>,
  options: WaitOptions<P>,
  timeoutText: (last: P | undefined) => string,
): Promise<R> {
  const { timeoutMs, intervalMs, maxIntervalMs } = resolveWait(options);
  const outer = options.signal;
  if (outer?.aborted === true) throw outer.reason;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let last: P | undefined;
  if (Number.isFinite(timeoutMs)) {
    clock.sleep(timeoutMs, controller.signal).then(
      () => controller.abort(waitTimeout(`${timeoutText(last)} within ${timeoutMs} ms`)),
      () => undefined, // the wait ended first
    );
  }
  try {
    let lastKey: string | undefined;
    let interval = intervalMs;
    for (;;) {
      const { progress, done } = await poll(controller.signal);
      const key = JSON.stringify(progress);
      if (key !== lastKey) {
        lastKey = key;
        last = progress;
        interval = intervalMs;
        options.onProgress?.(progress);
      } else interval = Math.min(maxIntervalMs, interval * DEFAULT_WAIT_OPTIONS.growth);
      if (done !== undefined) return done;
      await clock.sleep(interval, controller.signal);
    }
  } catch (error) {
    // Whatever a cancelled poll threw, the caller sees why the wait ended: its own abort reason or the timeout.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    outer?.removeEventListener('abort', onAbort);
    controller.abort(); // releases the timeout timer
  }
}

function waitTimeout(message: string): BatchError {
  return new BatchError({ message, kind: 'timeout', code: WAIT_TIMEOUT_CODE });
}

function countsText(counts: TaskCounts | TaskWaitProgress | undefined): string {
  if (counts === undefined) return 'no answer yet';
  return `active ${counts.active}, running ${counts.running}, completed ${counts.completed}`;
}

/**
 * Resolves with the job's final task counts once no task is active or running, or once the job ended (completed,
 * e.g. terminated, or being deleted) with nothing running. A job without tasks resolves at once.
 */
export function waitForJob(
  client: WaitClient,
  clock: Clock,
  jobId: string,
  options: WaitOptions<TaskCounts> = {},
): Promise<TaskCounts> {
  const poll: Poll<TaskCounts, TaskCounts> = async (signal) => {
    const { taskCounts } = await client.getJobTaskCounts(jobId, { signal });
    const { active, running, completed, succeeded, failed } = taskCounts;
    const counts: TaskCounts = { active, running, completed, succeeded, failed };
    if (active === 0 && running === 0) return { progress: counts, done: counts };
    if (running > 0) return { progress: counts };
    // Only tasks that wait: they never run if the job has ended.
    const job = await client.getJob(jobId, { select: 'id,state', signal });
    const ended = job.state === 'completed' || job.state === 'deleting';
    return ended ? { progress: counts, done: counts } : { progress: counts };
  };
  return pollUntil(
    clock,
    poll,
    options,
    (last) => `job ${jobId}: not every task completed (${countsText(last)})`,
  );
}

/**
 * Resolves with the tasks (in the order of `taskIds`, or the service's order for the whole job) once every one of
 * them is completed. Rejects with `TaskNotFound` (kind `notFound`) when an awaited task does not exist.
 */
export function waitForTasks(
  client: WaitClient,
  clock: Clock,
  jobId: string,
  taskIds: readonly string[] | undefined,
  options: WaitOptions<TaskWaitProgress> = {},
): Promise<CloudTask[]> {
  const wanted = taskIds === undefined ? undefined : [...new Set(taskIds)];
  const poll: Poll<TaskWaitProgress, CloudTask[]> = async (signal) => {
    const states = new Map<string, string>();
    for await (const task of client.listTasks(jobId, { select: 'id,state', signal })) {
      if (task.id !== undefined) states.set(task.id, task.state ?? 'active');
    }
    const ids = wanted ?? [...states.keys()];
    const missing = ids.filter((id) => !states.has(id));
    if (missing.length > 0) throw tasksNotFound(jobId, missing);
    const progress: TaskWaitProgress = { total: ids.length, active: 0, running: 0, completed: 0 };
    for (const id of ids) {
      const state = states.get(id);
      if (state === 'completed') progress.completed += 1;
      else if (state === 'running' || state === 'preparing') progress.running += 1;
      else progress.active += 1;
    }
    if (progress.completed < progress.total) return { progress };
    return { progress, done: await finalTasks(client, jobId, ids, signal) };
  };
  const what = wanted === undefined ? 'every task' : `${wanted.length} task(s)`;
  return pollUntil(
    clock,
    poll,
    options,
    (last) => `job ${jobId}: not ${what} completed (${countsText(last)})`,
  );
}

async function finalTasks(
  client: WaitClient,
  jobId: string,
  ids: readonly string[],
  signal: AbortSignal,
): Promise<CloudTask[]> {
  const byId = new Map<string, CloudTask>();
  for await (const task of client.listTasks(jobId, { signal }))
    if (task.id !== undefined) byId.set(task.id, task);
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length > 0) throw tasksNotFound(jobId, missing);
  return ids.map((id) => byId.get(id)!);
}

function tasksNotFound(jobId: string, ids: readonly string[]): BatchError {
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
  return new BatchError({
    message: `TaskNotFound: job ${jobId} has no task ${shown}`,
    kind: 'notFound',
    code: 'TaskNotFound',
  });
}
