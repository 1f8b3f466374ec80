/** `batchite task list|show|create|delete|terminate|reactivate` (and `task logs`, in task-logs.ts). */
import type { Command } from 'commander';
import type { CloudTask, TaskAddParameter } from '@batchite/protocol';
import { commandLineOf, intArg, listArg, pairArg, readJsonObject } from '../args.js';
import type { JobExplanation } from '../batchite-types.js';
import { UsageError } from '../cli-errors.js';
import { clientAction, type CommandContext } from '../command-context.js';
import {
  elapsed,
  outputFormat,
  printJson,
  renderTable,
  shortTime,
  withOutputOptions,
  writeOut,
} from '../output.js';
import type { OutputFlags } from '../output.js';
import { body, collect, printOne, printWrite, type ResourceView } from '../resources.js';
import { stateColor, type Style } from '../style.js';
import { reasonLookup, renderTaskWhy } from '../why-format.js';
import { registerTaskLogs } from './task-logs.js';

/** `succeeded` / `failed` for completed tasks, else the Batch state. */
export function taskStateText(task: CloudTask): string {
  if (task.state !== 'completed') return task.state ?? 'active';
  return task.executionInfo?.result === 'failure' ? 'failed' : 'succeeded';
}

const truncate = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The last run's duration; still counting while the task runs. */
function taskDuration(task: CloudTask): string {
  const info = task.executionInfo;
  if (task.state === 'active') return '';
  return elapsed(info?.startTime, info?.endTime);
}

function exitText(task: CloudTask): string {
  const info = task.executionInfo;
  if (info?.exitCode !== undefined) return String(info.exitCode);
  return info?.failureInfo?.code ?? '';
}

export const TASK_VIEW: ResourceView<CloudTask> = {
  id: (task) => task.id ?? '',
  headers: ['ID', 'STATE', 'EXIT', 'RETRIES', 'DURATION', 'NODE', 'COMMAND'],
  row: (task, style) => [
    task.id ?? '',
    stateColor(style, taskStateText(task)),
    exitText(task),
    String(task.executionInfo?.retryCount ?? 0),
    taskDuration(task),
    task.nodeInfo?.nodeId ?? '',
    truncate(task.commandLine ?? '', 60),
  ],
  fields: (task, style) => {
    const info = task.executionInfo;
    const failure = info?.failureInfo;
    return [
      ['id', task.id],
      ['state', stateColor(style, taskStateText(task))],
      ['since', shortTime(task.stateTransitionTime)],
      ['command line', task.commandLine],
      ['exit code', info?.exitCode],
      ['failure', failure === undefined ? undefined : `${failure.code ?? '?'}: ${failure.message ?? ''}`],
      ['retries', `${info?.retryCount ?? 0} of ${task.constraints?.maxTaskRetryCount ?? 0}`],
      ['requeues', info?.requeueCount ?? 0],
      [
        'node',
        task.nodeInfo?.nodeId === undefined
          ? undefined
          : `${task.nodeInfo.poolId ?? '?'}/${task.nodeInfo.nodeId}`,
      ],
      ['started', shortTime(info?.startTime)],
      ['ended', shortTime(info?.endTime)],
      ['duration', taskDuration(task) || undefined],
      ['required slots', task.requiredSlots ?? 1],
      ['depends on', task.dependsOn?.taskIds?.join(', ')],
      ['created', shortTime(task.creationTime)],
    ];
  },
};

interface ListFlags extends OutputFlags {
  state?: string;
  filter?: string;
}

function listFilter(flags: ListFlags): string | undefined {
  const parts: string[] = [];
  if (flags.state === 'failed' || flags.state === 'succeeded') {
    parts.push(`executionInfo/result eq '${flags.state === 'failed' ? 'failure' : 'success'}'`);
  } else if (flags.state !== undefined) parts.push(`state eq '${flags.state}'`);
  if (flags.filter !== undefined) parts.push(`(${flags.filter})`);
  return parts.length === 0 ? undefined : parts.join(' and ');
}

function taskTable(tasks: readonly CloudTask[], why: JobExplanation | undefined, style: Style): string {
  const reason = reasonLookup(why);
  const withReason = why !== undefined;
  const headers = withReason ? [...TASK_VIEW.headers.slice(0, 6), 'REASON', 'COMMAND'] : TASK_VIEW.headers;
  const rows = tasks.map((task) => {
    const row = TASK_VIEW.row(task, style);
    if (!withReason) return row;
    const code = task.state === 'active' ? reason(task.id ?? '') : '';
    return [...row.slice(0, 6), code, row[6] ?? ''];
  });
  return renderTable(headers, rows, style);
}

async function listTasks(ctx: CommandContext<ListFlags>): Promise<void> {
  const jobId = ctx.args[0]!;
  const { client } = await ctx.connection();
  const filter = listFilter(ctx.opts);
  const tasks = await collect(client.listTasks(jobId, filter === undefined ? {} : { filter }));
  const format = outputFormat(ctx.opts);
  if (format === 'name') {
    if (tasks.length > 0) writeOut(tasks.map((task) => task.id ?? '').join('\n'));
    return;
  }
  // One job-wide call explains every waiting task (the REASON column).
  const why = tasks.some((task) => task.state === 'active') ? await client.why(jobId) : undefined;
  if (format === 'json') {
    const reason = reasonLookup(why);
    return printJson(
      tasks.map((task) =>
        task.state === 'active' && why !== undefined
          ? { ...body(task), waitInfo: { code: reason(task.id ?? '') } }
          : body(task),
      ),
    );
  }
  if (tasks.length === 0) return writeOut(ctx.out.dim(`no tasks in job ${jobId}${filter ? ' match' : ''}`));
  writeOut(taskTable(tasks, why, ctx.out));
}

async function showTask(ctx: CommandContext<OutputFlags>): Promise<void> {
  const [jobId, taskId] = [ctx.args[0]!, ctx.args[1]!];
  const { client } = await ctx.connection();
  const task = await client.getTask(jobId, taskId);
  const why = task.state === 'active' ? await client.why(jobId, taskId) : undefined;
  if (outputFormat(ctx.opts) !== 'table') {
    return printOne(ctx, task, TASK_VIEW, why?.waitInfo ? { waitInfo: why.waitInfo } : {});
  }
  printOne(ctx, task, TASK_VIEW);
  if (why?.waitInfo !== undefined) writeOut(['', ...renderTaskWhy(why, ctx.out)].join('\n'));
}

interface CreateFlags extends OutputFlags {
  retries?: number;
  dependsOn?: string[];
  requiredSlots?: number;
  env?: { name: string; value: string }[];
  file?: string;
}

async function taskBody(ctx: CommandContext<CreateFlags>): Promise<TaskAddParameter> {
  const [, id, ...words] = ctx.args;
  const flags = ctx.opts;
  const base = flags.file === undefined ? {} : await readJsonObject(flags.file);
  const task = { ...base, id: id! } as TaskAddParameter;
  if (words.length > 0) task.commandLine = commandLineOf(words);
  if (flags.retries !== undefined)
    task.constraints = { ...task.constraints, maxTaskRetryCount: flags.retries };
  if (flags.dependsOn !== undefined) task.dependsOn = { taskIds: flags.dependsOn };
  if (flags.requiredSlots !== undefined) task.requiredSlots = flags.requiredSlots;
  if (flags.env !== undefined) task.environmentSettings = [...(task.environmentSettings ?? []), ...flags.env];
  if (typeof task.commandLine !== 'string' || task.commandLine === '')
    throw new UsageError(
      'the task needs a command line',
      `e.g. batchite task create JOB ${id!} '/bin/sh -c "echo hi"'`,
    );
  return task;
}

function registerTaskWrite(task: Command, name: string, description: string, sentence: string) {
  withOutputOptions(task.command(name).argument('<job>').argument('<task>').description(description)).action(
    clientAction<OutputFlags>(async (ctx) => {
      const [jobId, taskId] = [ctx.args[0]!, ctx.args[1]!];
      const { client } = await ctx.connection();
      const result =
        name === 'delete'
          ? await client.deleteTask(jobId, taskId)
          : name === 'terminate'
            ? await client.terminateTask(jobId, taskId)
            : await client.reactivateTask(jobId, taskId);
      printWrite(ctx, taskId, `${sentence} task ${taskId} of job ${jobId}.`, result);
    }),
  );
}

export function registerTask(program: Command): void {
  const task = program
    .command('task')
    .description('Tasks: command lines that run on a node of the job’s pool.');
  withOutputOptions(
    task.command('list').argument('<job>').description('List the tasks of a job, with why they wait.'),
  )
    .option('--state <state>', 'active, preparing, running, completed, succeeded or failed')
    .option('--filter <odata>', 'OData $filter, e.g. "executionInfo/exitCode eq 3"')
    .action(clientAction<ListFlags>(listTasks));
  withOutputOptions(
    task.command('show').argument('<job>').argument('<task>').description('Show a task.'),
  ).action(clientAction<OutputFlags>(showTask));
  withOutputOptions(
    task
      .command('create')
      .argument('<job>')
      .argument('<task>')
      .argument('[commandLine...]', 'the command line (one quoted word, or the words after --)')
      .description('Add a task to a job.')
      .option('--retries <n>', 'retries after a failed run (-1: no limit)', intArg(-1))
      .option('--depends-on <ids>', 'comma-separated ids of tasks it waits for', listArg)
      .option('--required-slots <n>', 'task slots it occupies on a node', intArg(1))
      .option('--env <name=value>', 'environment variable (repeatable)', pairArg)
      .option('--file <file>', 'a TaskAddParameter JSON file; the arguments override its fields')
      // `task create J T /bin/sh -c "…"`: options of the command line (-c) are part of it, not ours.
      .allowUnknownOption(),
  ).action(
    clientAction<CreateFlags>(async (ctx) => {
      const created = await taskBody(ctx);
      const jobId = ctx.args[0]!;
      const { client } = await ctx.connection();
      const result = await client.createTask(jobId, created);
      printWrite(ctx, created.id, `Added task ${created.id} to job ${jobId}.`, result);
    }),
  );
  registerTaskWrite(task, 'delete', 'Delete a task.', 'Deleted');
  registerTaskWrite(
    task,
    'terminate',
    'Terminate a task: it completes now (killed if running).',
    'Terminated',
  );
  registerTaskWrite(task, 'reactivate', 'Run a failed task again (its retry count restarts).', 'Reactivated');
  registerTaskLogs(task);
}
