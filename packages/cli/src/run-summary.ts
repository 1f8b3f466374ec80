/**
 * The end of `batchite run`: the failed tasks with their exit codes and the first lines of their stderr (read with
 * a ranged request of the file API), then one line with the outcome — the most important line last.
 */
import { isBatchError, type BatchClient, type TaskCreateOutcome } from '@batchite/client';
import type { CloudTask } from '@batchite/protocol';
import { collect } from './resources.js';
import { renderTable } from './output.js';
import type { Style } from './style.js';

/** Failed tasks whose stderr is read for the summary (the rest are listed without it). */
export const STDERR_TASKS = 20;
/** Rows of the failure table; more are counted, not listed. */
export const MAX_ROWS = 50;
const STDERR_LINES = 3;
const STDERR_BYTES = 4096;

export interface FailedTask {
  id: string;
  exitCode?: number;
  failureCode?: string;
  failureMessage?: string;
  retryCount: number;
  stderr: string[];
}

/** The first lines of a task's stderr.txt; none when it is empty or missing. */
export async function stderrHead(client: BatchClient, jobId: string, taskId: string): Promise<string[]> {
  try {
    const file = await client.getTaskFile(jobId, taskId, 'stderr.txt', {
      range: { start: 0, end: STDERR_BYTES - 1 },
    });
    const text = Buffer.from(file.content).toString('utf8');
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(0, STDERR_LINES);
  } catch (error) {
    // An empty file answers InvalidRange; a task that never started has no file.
    if (isBatchError(error) && (error.code === 'InvalidRange' || error.kind === 'notFound')) return [];
    throw error;
  }
}

export async function failedTasks(
  client: BatchClient,
  jobId: string,
  signal: AbortSignal,
): Promise<FailedTask[]> {
  const tasks: CloudTask[] = await collect(
    client.listTasks(jobId, {
      filter: "executionInfo/result eq 'failure'",
      select: 'id,executionInfo',
      signal,
    }),
  );
  tasks.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
  const failed: FailedTask[] = tasks.map((task) => {
    const info = task.executionInfo;
    return {
      id: task.id ?? '?',
      ...(info?.exitCode === undefined ? {} : { exitCode: info.exitCode }),
      ...(info?.failureInfo?.code === undefined ? {} : { failureCode: info.failureInfo.code }),
      ...(info?.failureInfo?.message === undefined ? {} : { failureMessage: info.failureInfo.message }),
      retryCount: info?.retryCount ?? 0,
      stderr: [],
    };
  });
  const reads = failed.slice(0, STDERR_TASKS);
  // A few reads at a time: enough to be quick, few enough not to flood the server.
  for (let i = 0; i < reads.length; i += 4) {
    await Promise.all(
      reads.slice(i, i + 4).map(async (task) => {
        task.stderr = await stderrHead(client, jobId, task.id);
      }),
    );
  }
  return failed;
}

export function failureTable(failed: readonly FailedTask[], style: Style): string {
  const rows: string[][] = [];
  for (const task of failed.slice(0, MAX_ROWS)) {
    const exit = task.exitCode === undefined ? '-' : String(task.exitCode);
    const first =
      task.stderr.length > 0
        ? task.stderr
        : [task.failureCode === undefined ? '' : `(${task.failureCode}: ${task.failureMessage ?? ''})`];
    rows.push([style.red(task.id), exit, String(task.retryCount), first[0] ?? '']);
    for (const line of first.slice(1)) rows.push(['', '', '', line]);
  }
  return renderTable(['FAILED TASK', 'EXIT', 'RETRIES', 'STDERR (first lines)'], rows, style);
}

export interface RunOutcome {
  jobId: string;
  total: number;
  succeeded: number;
  failed: FailedTask[];
  notAdded: TaskCreateOutcome[];
  /** Tasks that never ran because the job ended first. */
  neverRan: number;
  elapsedMs: number;
}

/** The human summary, most important line last. */
export function renderSummary(outcome: RunOutcome, style: Style, seconds: (ms: number) => string): string[] {
  const lines: string[] = [];
  const { jobId, failed } = outcome;
  if (outcome.notAdded.length > 0) {
    lines.push(`${outcome.notAdded.length} task(s) could not be added:`);
    for (const item of outcome.notAdded.slice(0, 10))
      lines.push(`  ${item.taskId}: ${item.error?.code ?? 'failed'}: ${item.error?.message ?? ''}`);
  }
  if (failed.length > 0) {
    lines.push(failureTable(failed, style));
    if (failed.length > MAX_ROWS)
      lines.push(`… and ${failed.length - MAX_ROWS} more: batchite task list ${jobId} --state failed`);
    lines.push(style.dim(`Output of a task: batchite task logs ${jobId} ${failed[0]!.id} --stderr`));
  }
  if (outcome.neverRan > 0)
    lines.push(style.yellow(`${outcome.neverRan} task(s) never ran: the job ended first.`));
  const took = seconds(outcome.elapsedMs);
  const bad = failed.length + outcome.notAdded.length + outcome.neverRan;
  lines.push(
    bad === 0
      ? style.green(`All ${outcome.total} tasks succeeded (job ${jobId}, ${took}).`)
      : style.red(`${failed.length} of ${outcome.total} tasks failed (job ${jobId}, ${took}).`),
  );
  return lines;
}
