/**
 * `batchite job rerun-failed JOB [--exit-code N]`: reactivates the failed tasks of a job (task reactivate, retry
 * count back to 0) through the client, which owns retries. Batch cannot reactivate a task of a completed job —
 * and `batchite run` ends its job once every task is done — so for a completed job the failed tasks are added,
 * with the same definitions, to a new job `JOB-rerun-N` on the same pool, which ends by itself like `run`'s.
 */
import type { Command } from 'commander';
import { isBatchError, type BatchClient } from '@batchite/client';
import type { CloudJob, CloudTask, TaskAddParameter } from '@batchite/protocol';
import { intArg } from '../args.js';
import { EXIT } from '../cli-errors.js';
import { clientAction, type CommandContext } from '../command-context.js';
import { outputFormat, printJson, withOutputOptions, writeOut, type OutputFlags } from '../output.js';
import { collect } from '../resources.js';

interface RerunFlags extends OutputFlags {
  exitCode?: number;
}

/** Reactivations in flight. */
const AT_ONCE = 8;
/** Where the definition of a task ends and its run state begins: the fields a task is added with. */
const ADD_FIELDS = [
  'id',
  'displayName',
  'commandLine',
  'containerSettings',
  'resourceFiles',
  'outputFiles',
  'environmentSettings',
  'affinityInfo',
  'constraints',
  'requiredSlots',
  'userIdentity',
  'exitConditions',
  'multiInstanceSettings',
  'applicationPackageReferences',
  'authenticationTokenSettings',
  'dependsOn',
] as const;

interface RerunOutcome {
  jobId: string;
  /** The job the tasks run again in: `jobId` itself, or the new job for a completed one. */
  rerunJobId: string;
  taskIds: string[];
  notRerun: { taskId: string; code?: string; message: string }[];
}

function failedFilter(exitCode: number | undefined): string {
  const base = "executionInfo/result eq 'failure'";
  return exitCode === undefined ? base : `${base} and executionInfo/exitCode eq ${exitCode}`;
}

async function reactivateAll(client: BatchClient, jobId: string, tasks: CloudTask[], outcome: RerunOutcome) {
  for (let i = 0; i < tasks.length; i += AT_ONCE) {
    await Promise.all(
      tasks.slice(i, i + AT_ONCE).map(async (task) => {
        const taskId = task.id ?? '';
        try {
          await client.reactivateTask(jobId, taskId);
          outcome.taskIds.push(taskId);
        } catch (error) {
          if (!isBatchError(error)) throw error;
          outcome.notRerun.push({ taskId, code: error.code, message: error.message });
        }
      }),
    );
  }
}

function definition(task: CloudTask, copied: ReadonlySet<string>): TaskAddParameter {
  const add: Record<string, unknown> = {};
  for (const field of ADD_FIELDS) if (task[field] !== undefined) add[field] = task[field];
  // Parents that succeeded stay in the old job: only dependencies among the re-run tasks are kept.
  const parents = task.dependsOn?.taskIds?.filter((id) => copied.has(id));
  if (task.dependsOn !== undefined) {
    if (parents === undefined || parents.length === 0) delete add.dependsOn;
    else add.dependsOn = { taskIds: parents };
  }
  return add as unknown as TaskAddParameter;
}

async function freeJobId(client: BatchClient, jobId: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = `${jobId}-rerun-${n}`;
    try {
      await client.getJob(candidate);
    } catch (error) {
      if (isBatchError(error) && error.kind === 'notFound') return candidate;
      throw error;
    }
  }
}

async function copyToNewJob(client: BatchClient, job: CloudJob, tasks: CloudTask[], outcome: RerunOutcome) {
  const copied = new Set(tasks.map((task) => task.id ?? ''));
  const definitions = tasks.map((task) => definition(task, copied));
  outcome.rerunJobId = await freeJobId(client, outcome.jobId);
  await client.createJob({
    id: outcome.rerunJobId,
    poolInfo: job.poolInfo ?? { poolId: 'local' },
    onAllTasksComplete: 'noaction',
    ...(job.constraints === undefined ? {} : { constraints: job.constraints }),
    ...(definitions.some((task) => task.dependsOn !== undefined) ? { usesTaskDependencies: true } : {}),
  });
  for (const result of await client.createTasks(outcome.rerunJobId, definitions)) {
    if (result.status === 'failed')
      outcome.notRerun.push({
        taskId: result.taskId,
        ...(result.error?.code === undefined ? {} : { code: result.error.code }),
        message: result.error?.message ?? 'not added',
      });
    else outcome.taskIds.push(result.taskId);
  }
  // Like `run`: the job ends by itself once the tasks in it are done.
  await client.updateJob(outcome.rerunJobId, { onAllTasksComplete: 'terminatejob' });
}

function report(outcome: RerunOutcome, exitCode: number | undefined): void {
  const which = exitCode === undefined ? 'failed' : `failed (exit code ${exitCode})`;
  const { jobId, rerunJobId, taskIds } = outcome;
  if (taskIds.length === 0 && outcome.notRerun.length === 0)
    return writeOut(`No ${which} tasks in job ${jobId}.`);
  if (rerunJobId !== jobId) {
    writeOut(`Job ${jobId} is completed, and Batch cannot reactivate the tasks of a completed job.`);
    writeOut(`Added its ${taskIds.length} ${which} task(s) to the new job ${rerunJobId}.`);
  } else writeOut(`Reactivated ${taskIds.length} ${which} task(s) of job ${jobId}.`);
  for (const item of outcome.notRerun.slice(0, 10))
    writeOut(`  not re-run: ${item.taskId}: ${item.code ?? 'failed'}: ${item.message.split('\n')[0] ?? ''}`);
  if (outcome.notRerun.length > 10) writeOut(`  … and ${outcome.notRerun.length - 10} more not re-run`);
  if (taskIds.length > 0) writeOut(`Follow it: batchite job show ${rerunJobId}`);
}

async function rerunFailed(ctx: CommandContext<RerunFlags>): Promise<number> {
  const jobId = ctx.args[0]!;
  const { client } = await ctx.connection();
  const job = await client.getJob(jobId);
  const tasks = await collect(client.listTasks(jobId, { filter: failedFilter(ctx.opts.exitCode) }));
  tasks.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
  const outcome: RerunOutcome = { jobId, rerunJobId: jobId, taskIds: [], notRerun: [] };
  if (tasks.length > 0) {
    if (job.state === 'completed') await copyToNewJob(client, job, tasks, outcome);
    else await reactivateAll(client, jobId, tasks, outcome);
  }
  outcome.taskIds.sort((a, b) => a.localeCompare(b));
  if (outputFormat(ctx.opts) === 'json') printJson(outcome);
  else if (outputFormat(ctx.opts) === 'name') writeOut(outcome.taskIds.join('\n'));
  else report(outcome, ctx.opts.exitCode);
  return outcome.notRerun.length === 0 ? EXIT.ok : EXIT.failed;
}

export function registerRerunFailed(job: Command): void {
  withOutputOptions(
    job
      .command('rerun-failed')
      .argument('<job>')
      .description('Run the failed tasks of a job again (reactivate them; a completed job: in a new job).')
      .option('--exit-code <n>', 'only the tasks that failed with this exit code', intArg(-2147483648)),
  ).action(clientAction<RerunFlags>(rerunFailed));
}
