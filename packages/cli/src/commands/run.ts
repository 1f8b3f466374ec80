/**
 * `batchite run FILE`: create a job, add every task of FILE, follow it with a progress display, then summarize
 * the failures. Exit code 1 when any task failed (no `--exit-status` footgun), 0 otherwise.
 *
 * The job is created with `onAllTasksComplete: noaction` so it cannot end while tasks are still being added, then
 * patched to `terminatejob` once every task is in, so it completes by itself when they are done.
 */
import type { Command } from 'commander';
import { isBatchError, type BatchClient, type TaskCreateOutcome } from '@batchite/client';
import { groupFailures, type TaskAddParameter } from '@batchite/protocol';
import { intArg, readInput } from '../args.js';
import { CliError, EXIT } from '../cli-errors.js';
import { clientAction, type CommandContext } from '../command-context.js';
import { formatDuration, printJson, writeErr, writeOut } from '../output.js';
import { followJob } from '../run-follow.js';
import { generatedJobId, parseRunFile } from '../run-input.js';
import { progressView } from '../run-progress.js';
import { failedTasks, renderSummary, type RunOutcome } from '../run-summary.js';

interface RunFlags {
  job?: string;
  pool: string;
  retries: number;
  json?: boolean;
  interval: number;
}

async function submit(
  client: BatchClient,
  jobId: string,
  tasks: TaskAddParameter[],
  flags: RunFlags,
  signal: AbortSignal,
): Promise<TaskCreateOutcome[]> {
  await client.createJob(
    {
      id: jobId,
      poolInfo: { poolId: flags.pool },
      onAllTasksComplete: 'noaction',
      constraints: { maxTaskRetryCount: flags.retries },
      ...(tasks.some((task) => task.dependsOn !== undefined) ? { usesTaskDependencies: true } : {}),
    },
    { signal },
  );
  let outcomes: TaskCreateOutcome[];
  try {
    outcomes = await client.createTasks(jobId, tasks, { signal });
  } catch (error) {
    await discardJob(client, jobId, 'adding its tasks failed');
    throw error;
  }
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  // Nothing got in: the job would wait empty forever. Remove it; the first error says why (a bad task id…).
  if (failed.length === outcomes.length && failed[0]?.error !== undefined) {
    await discardJob(client, jobId, 'none of its tasks could be added');
    throw failed[0].error;
  }
  await client.updateJob(jobId, { onAllTasksComplete: 'terminatejob' }, { signal });
  return failed;
}

/** Deletes a job `run` created but could not fill; if that fails too, names it so it is not left unseen. */
async function discardJob(client: BatchClient, jobId: string, why: string): Promise<void> {
  try {
    await client.deleteJob(jobId, { retry: { maxAttempts: 2 } });
    writeErr(`Deleted job ${jobId}: ${why}.`);
  } catch {
    writeErr(`Job ${jobId} is left without tasks (${why}); delete it: batchite job delete ${jobId}`);
  }
}

/**
 * Before anything is printed or created: the server answers (so no progress line is shown for a job that never
 * existed), and the pool exists (a job on a missing pool would wait forever).
 */
async function checkPool(client: BatchClient, poolId: string, signal: AbortSignal): Promise<void> {
  try {
    await client.getPool(poolId, { select: 'id', signal });
  } catch (error) {
    if (isBatchError(error) && error.kind === 'notFound') {
      throw new CliError(
        `pool ${poolId} does not exist, so its tasks would never run`,
        EXIT.notFound,
        '`batchite pool list` shows the pools; `npm start` creates pool local',
      );
    }
    throw error;
  }
}

async function run(ctx: CommandContext<RunFlags>): Promise<number> {
  const file = ctx.args[0]!;
  const tasks = parseRunFile(await readInput(file), file);
  const jobId = ctx.opts.job ?? generatedJobId(file);
  const startedAt = Date.now();
  const { client } = await ctx.connection();
  await checkPool(client, ctx.opts.pool, ctx.signal);
  writeErr(`Submitting ${tasks.length} task(s) to job ${jobId} on pool ${ctx.opts.pool}…`);
  const notAdded = await submit(client, jobId, tasks, ctx.opts, ctx.signal);
  // Said only once the job exists and holds tasks (a failed submit removed it, or said why not).
  ctx.onInterrupt(() =>
    writeErr(
      `Job ${jobId} keeps running. Watch it: batchite job show ${jobId}; stop it: batchite job terminate ${jobId}`,
    ),
  );
  const total = tasks.length - notAdded.length;
  writeErr(`Added ${total} task(s); following job ${jobId} (Ctrl-C stops watching, not the job).`);
  const progress = await progressView({ tty: process.stderr.isTTY === true, stream: process.stderr });
  ctx.onInterrupt(() => progress.stop());
  const { counts } = await followJob({
    client,
    jobId,
    total,
    intervalMs: ctx.opts.interval,
    progress,
    signal: ctx.signal,
  });
  progress.stop();
  const outcome: RunOutcome = {
    jobId,
    total: tasks.length,
    succeeded: counts.succeeded,
    failed: await failedTasks(client, jobId, ctx.signal),
    notAdded,
    neverRan: Math.max(0, total - counts.completed),
    elapsedMs: Date.now() - startedAt,
  };
  if (ctx.opts.json === true)
    printJson({
      ...outcome,
      failureGroups: groupFailures(outcome.failed),
      notAdded: notAdded.map(notAddedJson),
    });
  else writeOut(renderSummary(outcome, ctx.out, (ms) => formatDuration(ms / 1000)).join('\n'));
  const bad = outcome.failed.length + notAdded.length + outcome.neverRan;
  return bad === 0 ? EXIT.ok : EXIT.failed;
}

function notAddedJson(outcome: TaskCreateOutcome) {
  return { taskId: outcome.taskId, code: outcome.error?.code, message: outcome.error?.message };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .argument('<file>', 'command lines, one a line (# comments), or a JSON array of tasks; - reads stdin')
    .description('Run a file of commands as a job: add every task, show progress, summarize the failures.')
    .option('--job <id>', 'job id (default: run-<file>-<time>-<random>)')
    .option('--pool <id>', 'pool that runs the tasks', 'local')
    .option('--retries <n>', 'retries of a failed task (-1: no limit)', intArg(-1), 0)
    .option('--json', 'print the outcome as JSON on stdout (progress stays on stderr)')
    .option('--interval <ms>', 'how often progress is polled', intArg(100), 1000)
    .action(clientAction<RunFlags>(run));
}
