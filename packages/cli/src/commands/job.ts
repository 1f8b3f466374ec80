/** `batchite job list|show|create|delete|terminate|disable|enable|rerun-failed`. */
import { Option, type Command } from 'commander';
import type { CloudJob, DisableJobOption, JobAddParameter } from '@batchite/protocol';
import { intArg, pairArg, readJsonObject } from '../args.js';
import { clientAction, type CommandContext } from '../command-context.js';
import { outputFormat, shortTime, withOutputOptions, writeOut, type OutputFlags } from '../output.js';
import { printOne, printWrite, type ResourceView } from '../resources.js';
import { stateColor } from '../style.js';
import { waitingSummary } from '../why-format.js';
import { registerJobList } from './job-list.js';
import { registerRerunFailed } from './job-rerun.js';

export const JOB_VIEW: ResourceView<CloudJob> = {
  id: (job) => job.id ?? '',
  headers: ['ID', 'STATE', 'POOL', 'PRIORITY', 'CREATED'],
  row: (job, style) => [
    job.id ?? '',
    stateColor(style, job.state ?? ''),
    job.poolInfo?.poolId ?? '',
    String(job.priority ?? 0),
    shortTime(job.creationTime),
  ],
  fields: (job, style) => [
    ['id', job.id],
    ['state', stateColor(style, job.state ?? '')],
    ['since', shortTime(job.stateTransitionTime)],
    ['pool', job.poolInfo?.poolId],
    ['priority', job.priority ?? 0],
    ['max parallel tasks', job.maxParallelTasks === -1 ? undefined : job.maxParallelTasks],
    ['max task retries', job.constraints?.maxTaskRetryCount],
    ['task dependencies', job.usesTaskDependencies === true ? 'yes' : undefined],
    ['on all tasks complete', job.onAllTasksComplete],
    ['on task failure', job.onTaskFailure],
    ['terminate reason', job.executionInfo?.terminateReason],
    ['created', shortTime(job.creationTime)],
    [
      'metadata',
      job.metadata?.length ? job.metadata.map((m) => `${m.name}=${m.value}`).join(', ') : undefined,
    ],
  ],
};

async function showJob(ctx: CommandContext<OutputFlags>): Promise<void> {
  const id = ctx.args[0]!;
  const { client } = await ctx.connection();
  const job = await client.getJob(id);
  const { taskCounts } = await client.getJobTaskCounts(id);
  const why = taskCounts.active > 0 ? await client.why(id) : undefined;
  if (outputFormat(ctx.opts) !== 'table')
    return printOne(ctx, job, JOB_VIEW, { taskCounts, ...(why ? { waiting: why.waiting } : {}) });
  printOne(ctx, job, JOB_VIEW);
  const c = taskCounts;
  writeOut(
    `tasks: ${c.active} active, ${c.running} running, ${c.completed} completed (${c.succeeded} succeeded, ${c.failed} failed)`,
  );
  const summary = why === undefined ? undefined : waitingSummary(why, ctx.out);
  if (summary !== undefined) writeOut(`${summary}  — details: batchite why ${id}`);
}

interface CreateFlags extends OutputFlags {
  pool?: string;
  priority?: number;
  maxParallelTasks?: number;
  maxTaskRetries?: number;
  usesTaskDependencies?: boolean;
  onAllTasksComplete?: 'noaction' | 'terminatejob';
  onTaskFailure?: 'noaction' | 'performexitoptionsjobaction';
  metadata?: { name: string; value: string }[];
  file?: string;
}

async function jobBody(id: string, flags: CreateFlags): Promise<JobAddParameter> {
  const base = flags.file === undefined ? {} : await readJsonObject(flags.file);
  const job = { ...base, id } as JobAddParameter;
  if (flags.pool !== undefined) job.poolInfo = { poolId: flags.pool };
  job.poolInfo ??= { poolId: 'local' };
  if (flags.priority !== undefined) job.priority = flags.priority;
  if (flags.maxParallelTasks !== undefined) job.maxParallelTasks = flags.maxParallelTasks;
  if (flags.maxTaskRetries !== undefined)
    job.constraints = { ...job.constraints, maxTaskRetryCount: flags.maxTaskRetries };
  if (flags.usesTaskDependencies === true) job.usesTaskDependencies = true;
  if (flags.onAllTasksComplete !== undefined) job.onAllTasksComplete = flags.onAllTasksComplete;
  if (flags.onTaskFailure !== undefined) job.onTaskFailure = flags.onTaskFailure;
  if (flags.metadata !== undefined) job.metadata = [...(job.metadata ?? []), ...flags.metadata];
  return job;
}

function registerCreate(job: Command): void {
  withOutputOptions(
    job
      .command('create')
      .argument('<job>')
      .description('Create a job.')
      .option('--pool <pool>', 'pool that runs its tasks (default: local)')
      .option('--priority <n>', 'priority, -1000..1000', Number)
      .option('--max-parallel-tasks <n>', 'most tasks running at once', intArg(1))
      .option('--max-task-retries <n>', 'retries of a failed task (-1: no limit)', intArg(-1))
      .option('--uses-task-dependencies', 'tasks may depend on other tasks')
      .addOption(new Option('--on-all-tasks-complete <action>').choices(['noaction', 'terminatejob']))
      .addOption(
        new Option('--on-task-failure <action>').choices(['noaction', 'performexitoptionsjobaction']),
      )
      .option('--metadata <name=value>', 'metadata item (repeatable)', pairArg)
      .option('--file <file>', 'a JobAddParameter JSON file; the flags override its fields'),
  ).action(
    clientAction<CreateFlags>(async (ctx) => {
      const body = await jobBody(ctx.args[0]!, ctx.opts);
      const { client } = await ctx.connection();
      const result = await client.createJob(body);
      printWrite(ctx, body.id, `Created job ${body.id} on pool ${body.poolInfo.poolId ?? '?'}.`, result);
    }),
  );
}

type JobWrite = (ctx: CommandContext<OutputFlags & Record<string, unknown>>, id: string) => Promise<object>;

function registerWrite(job: Command, name: string, description: string, sentence: string, run: JobWrite) {
  return withOutputOptions(job.command(name).argument('<job>').description(description)).action(
    clientAction<OutputFlags & Record<string, unknown>>(async (ctx) => {
      const id = ctx.args[0]!;
      const result = await run(ctx, id);
      printWrite(ctx, id, `${sentence} job ${id}.`, result);
    }),
  );
}

export function registerJob(program: Command): void {
  const job = program.command('job').description('Jobs: groups of tasks that run on a pool.');

  registerJobList(job);
  withOutputOptions(
    job.command('show').argument('<job>').description('Show a job, its task counts and why tasks wait.'),
  ).action(clientAction<OutputFlags>(showJob));
  registerCreate(job);
  registerWrite(job, 'delete', 'Delete a job and its tasks.', 'Deleting', async (ctx, id) =>
    (await ctx.connection()).client.deleteJob(id),
  );
  registerWrite(
    job,
    'terminate',
    'Terminate a job: running tasks are stopped.',
    'Terminating',
    async (ctx, id) => {
      const reason = ctx.opts.reason as string | undefined;
      return (await ctx.connection()).client.terminateJob(
        id,
        reason === undefined ? {} : { terminateReason: reason },
      );
    },
  ).option('--reason <text>', 'terminate reason');
  registerWrite(job, 'disable', 'Disable a job: no new task starts.', 'Disabling', async (ctx, id) =>
    (await ctx.connection()).client.disableJob(id, ctx.opts.tasks as DisableJobOption),
  ).addOption(
    new Option('--tasks <what>', 'what happens to running tasks')
      .choices(['requeue', 'terminate', 'wait'])
      .default('requeue'),
  );
  registerWrite(job, 'enable', 'Enable a disabled job.', 'Enabling', async (ctx, id) =>
    (await ctx.connection()).client.enableJob(id),
  );
  registerRerunFailed(job);
}
