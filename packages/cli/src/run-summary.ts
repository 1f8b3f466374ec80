/**
 * The end of `batchite run`: the failed tasks grouped by exit code and first stderr line (read with a ranged
 * request of the file API; grouping shared with the dashboard, @batchite/protocol failure-groups.ts), then one
 * line with the outcome — the most important line last. Nothing is cut silently: what is not listed is counted.
 */
import { isBatchError, type BatchClient, type TaskCreateOutcome } from '@batchite/client';
import { firstLine, groupFailures, type CloudTask, type FailureGroup } from '@batchite/protocol';
import { collect } from './resources.js';
import { renderTable } from './output.js';
import type { Style } from './style.js';

/** Failed tasks whose stderr is read (in id order); the rest are grouped by their failure info alone. */
export const STDERR_TASKS = 500;
/** Groups listed; more are counted, not listed. */
export const MAX_GROUPS = 20;
const STDERR_BYTES = 1024;
/** stderr reads in flight: enough to be quick, few enough not to flood the server. */
const READS_AT_ONCE = 8;

export interface FailedTask {
  id: string;
  exitCode?: number;
  failureCode?: string;
  failureMessage?: string;
  retryCount: number;
  /** First non-blank line of stderr.txt; absent when empty, missing or not read. */
  stderrFirstLine?: string;
}

/** The first non-blank line of a task's stderr.txt; undefined when it is empty or missing. */
export async function stderrFirstLine(
  client: BatchClient,
  jobId: string,
  taskId: string,
): Promise<string | undefined> {
  try {
    const file = await client.getTaskFile(jobId, taskId, 'stderr.txt', {
      range: { start: 0, end: STDERR_BYTES - 1 },
    });
    return firstLine(Buffer.from(file.content).toString('utf8'));
  } catch (error) {
    // An empty file answers InvalidRange; a task that never started has no file.
    if (isBatchError(error) && (error.code === 'InvalidRange' || error.kind === 'notFound')) return undefined;
    throw error;
  }
}

function failedTask(task: CloudTask): FailedTask {
  const info = task.executionInfo;
  return {
    id: task.id ?? '?',
    ...(info?.exitCode === undefined ? {} : { exitCode: info.exitCode }),
    ...(info?.failureInfo?.code === undefined ? {} : { failureCode: info.failureInfo.code }),
    ...(info?.failureInfo?.message === undefined ? {} : { failureMessage: info.failureInfo.message }),
    retryCount: info?.retryCount ?? 0,
  };
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
  const failed = tasks.map(failedTask);
  const reads = failed.slice(0, STDERR_TASKS);
  for (let i = 0; i < reads.length; i += READS_AT_ONCE) {
    await Promise.all(
      reads.slice(i, i + READS_AT_ONCE).map(async (task) => {
        const line = await stderrFirstLine(client, jobId, task.id);
        if (line !== undefined) task.stderrFirstLine = line;
      }),
    );
  }
  return failed;
}

function examples(group: FailureGroup): string {
  const more = group.count - group.exampleIds.length;
  return group.exampleIds.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

export function failureGroupTable(groups: readonly FailureGroup[], style: Style): string {
  const rows = groups
    .slice(0, MAX_GROUPS)
    .map((group) => [
      style.red(String(group.count)),
      group.exitCode === undefined ? '-' : String(group.exitCode),
      group.fromStderr ? group.line : style.dim(`(${group.line})`),
      examples(group),
    ]);
  return renderTable(['FAILED', 'EXIT', 'FIRST STDERR LINE', 'TASKS'], rows, style);
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

function notAddedLines(notAdded: readonly TaskCreateOutcome[]): string[] {
  if (notAdded.length === 0) return [];
  const lines = [`${notAdded.length} task(s) could not be added:`];
  for (const item of notAdded.slice(0, 10))
    lines.push(`  ${item.taskId}: ${item.error?.code ?? 'failed'}: ${item.error?.message ?? ''}`);
  if (notAdded.length > 10) lines.push(`  … and ${notAdded.length - 10} more`);
  return lines;
}

function failureLines(jobId: string, failed: readonly FailedTask[], style: Style): string[] {
  if (failed.length === 0) return [];
  const groups = groupFailures(failed);
  const lines = [failureGroupTable(groups, style)];
  const hidden = groups.slice(MAX_GROUPS);
  if (hidden.length > 0) {
    const tasks = hidden.reduce((sum, group) => sum + group.count, 0);
    lines.push(
      `… and ${hidden.length} more group(s) of ${tasks} task(s): batchite task list ${jobId} --state failed`,
    );
  }
  if (failed.length > STDERR_TASKS)
    lines.push(
      style.dim(
        `stderr read for the first ${STDERR_TASKS} failed tasks; the others are grouped by failure code.`,
      ),
    );
  lines.push(style.dim(`Output of a task: batchite task logs ${jobId} ${failed[0]!.id} --stderr`));
  lines.push(style.dim(`Run the failed tasks again: batchite job rerun-failed ${jobId}`));
  return lines;
}

/** The human summary, most important line last. */
export function renderSummary(outcome: RunOutcome, style: Style, seconds: (ms: number) => string): string[] {
  const { jobId, failed } = outcome;
  const lines = [...notAddedLines(outcome.notAdded), ...failureLines(jobId, failed, style)];
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
