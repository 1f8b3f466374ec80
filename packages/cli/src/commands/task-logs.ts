/**
 * `batchite task logs JOB TASK [--stderr] [--follow] [--tail N]`: prints a task's stdout.txt or stderr.txt.
 * Reads only new bytes, by offset with `ocp-range` (never the whole file again); `--follow` polls until the task
 * completes, and the state is read *before* the last size check, so the output is complete when it stops. An empty
 * file is said out loud ("stderr is empty") instead of printing nothing. While the task waits, `--follow` says why
 * (on stderr), stops with exit 1 when it will not run, and ends with the task's outcome: exit 1 when it failed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { BatchClient } from '@batchite/client';
import { intArg } from '../args.js';
import { EXIT } from '../cli-errors.js';
import { clientAction, type CommandContext } from '../command-context.js';
import { writeErr } from '../output.js';
import { outcomeLine, WaitReporter } from '../task-follow.js';

interface LogFlags {
  stderr?: boolean;
  follow?: boolean;
  tail?: number;
  interval: number;
}

/** Largest read per request, so a huge log is streamed rather than held in memory. */
const CHUNK_BYTES = 1 << 20;
/** Block size when searching backwards for the last lines. */
const TAIL_BLOCK_BYTES = 64 * 1024;

type ReadRange = (start: number, endExclusive: number) => Promise<Uint8Array>;

/** The offset where the last `lines` lines of a file of `size` bytes start (a final newline is not a line). */
export async function tailOffset(read: ReadRange, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  let found = 0;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_BLOCK_BYTES);
    const bytes = await read(start, end);
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] !== 0x0a || start + i === size - 1) continue;
      found++;
      if (found === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

class TaskFileReader {
  constructor(
    private readonly client: BatchClient,
    private readonly jobId: string,
    private readonly taskId: string,
    private readonly file: string,
  ) {}

  /** The file's size, or undefined while it does not exist (the task has not started). */
  async size(): Promise<number | undefined> {
    try {
      const props = await this.client.getTaskFileProperties(this.jobId, this.taskId, this.file);
      return props.contentLength;
    } catch (error) {
      // The task exists (read first), so a 404 here is the file; HEAD answers carry no error code.
      if ((error as { kind?: unknown }).kind === 'notFound') return undefined;
      throw error;
    }
  }

  readonly read: ReadRange = async (start, endExclusive) => {
    const file = await this.client.getTaskFile(this.jobId, this.taskId, this.file, {
      range: { start, end: endExclusive - 1 },
    });
    return file.content;
  };
}

async function writeBytes(bytes: Uint8Array): Promise<void> {
  if (!process.stdout.write(bytes)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

async function readTask(client: BatchClient, jobId: string, taskId: string, signal: AbortSignal) {
  return client.getTask(jobId, taskId, { select: 'id,state,executionInfo', signal });
}

/** Prints the bytes of the file past `offset`; returns the new offset. */
async function drain(reader: TaskFileReader, offset: number, size: number | undefined): Promise<number> {
  while (size !== undefined && offset < size) {
    const bytes = await reader.read(offset, Math.min(size, offset + CHUNK_BYTES));
    if (bytes.length === 0) break;
    await writeBytes(bytes);
    offset += bytes.length;
  }
  return offset;
}

async function printLogs(ctx: CommandContext<LogFlags>): Promise<number> {
  const [jobId, taskId] = [ctx.args[0]!, ctx.args[1]!];
  const name = ctx.opts.stderr === true ? 'stderr' : 'stdout';
  const follow = ctx.opts.follow === true;
  const { client } = await ctx.connection();
  const reader = new TaskFileReader(client, jobId, taskId, `${name}.txt`);
  const waits = new WaitReporter(client, jobId, taskId, ctx.err, writeErr);
  let task = await readTask(client, jobId, taskId, ctx.signal);
  let offset = 0;
  let exists = false;
  if (ctx.opts.tail !== undefined) {
    const size = await reader.size();
    if (size !== undefined) offset = await tailOffset(reader.read, size, ctx.opts.tail);
  }
  const start = offset;
  for (;;) {
    const size = await reader.size();
    exists ||= size !== undefined;
    offset = await drain(reader, offset, size);
    if (!follow || task.state === 'completed') break;
    if (task.state === 'active') {
      const stop = await waits.check(ctx.signal);
      if (stop !== undefined) {
        writeErr(ctx.err.red(stop));
        return EXIT.failed;
      }
    }
    await sleep(ctx.opts.interval, undefined, { signal: ctx.signal });
    task = await readTask(client, jobId, taskId, ctx.signal);
  }
  if (offset === start) sayEmpty(ctx, name, task.state ?? 'active', exists);
  if (!follow) return EXIT.ok;
  const outcome = outcomeLine(task, ctx.err);
  writeErr(outcome.line);
  return outcome.failed ? EXIT.failed : EXIT.ok;
}

/** An empty file is said out loud instead of printing nothing. */
function sayEmpty(ctx: CommandContext<LogFlags>, name: string, state: string, exists: boolean): void {
  const [jobId, taskId] = [ctx.args[0]!, ctx.args[1]!];
  if (exists || state === 'completed') writeErr(ctx.err.dim(`${name} is empty`));
  else {
    writeErr(
      ctx.err.dim(
        `${name} is empty: task ${taskId} is ${state} and has not written ${name}.txt yet (batchite why ${jobId} ${taskId})`,
      ),
    );
  }
}

export function registerTaskLogs(task: Command): void {
  task
    .command('logs')
    .argument('<job>')
    .argument('<task>')
    .description(
      "Print a task's stdout (or stderr); --follow streams it until the task completes (exit 1 if it failed).",
    )
    .option('--stderr', 'stderr.txt instead of stdout.txt')
    .option('-f, --follow', 'keep printing new output until the task completes')
    .option('--tail <n>', 'start with the last N lines', intArg(0))
    .option('--interval <ms>', 'how often --follow checks for new output', intArg(50), 500)
    .action(clientAction<LogFlags>(printLogs));
}
