/**
 * `batchite task logs JOB TASK [--stderr] [--follow] [--tail N]`: prints a task's stdout.txt or stderr.txt.
 * Reads only new bytes, by offset with `ocp-range` (never the whole file again); `--follow` polls until the task
 * completes, and the state is read *before* the last size check, so the output is complete when it stops. An empty
 * file is said out loud ("stderr is empty") instead of printing nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { BatchClient } from '@batchite/client';
import { intArg } from '../args.js';
import { clientAction, type CommandContext } from '../command-context.js';
import { writeErr } from '../output.js';

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

async function taskState(client: BatchClient, jobId: string, taskId: string): Promise<string> {
  return (await client.getTask(jobId, taskId, { select: 'id,state' })).state ?? 'active';
}

async function printLogs(ctx: CommandContext<LogFlags>): Promise<void> {
  const [jobId, taskId] = [ctx.args[0]!, ctx.args[1]!];
  const name = ctx.opts.stderr === true ? 'stderr' : 'stdout';
  const { client } = await ctx.connection();
  const reader = new TaskFileReader(client, jobId, taskId, `${name}.txt`);
  let state = await taskState(client, jobId, taskId);
  let offset = 0;
  let printed = 0;
  let exists = false;
  if (ctx.opts.tail !== undefined) {
    const size = await reader.size();
    if (size !== undefined) offset = await tailOffset(reader.read, size, ctx.opts.tail);
  }
  for (;;) {
    const size = await reader.size();
    exists ||= size !== undefined;
    while (size !== undefined && offset < size) {
      const bytes = await reader.read(offset, Math.min(size, offset + CHUNK_BYTES));
      if (bytes.length === 0) break;
      await writeBytes(bytes);
      offset += bytes.length;
      printed += bytes.length;
    }
    if (ctx.opts.follow !== true || state === 'completed') break;
    await sleep(ctx.opts.interval, undefined, { signal: ctx.signal });
    state = await taskState(client, jobId, taskId);
  }
  if (printed > 0) return;
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
    .description("Print a task's stdout (or stderr); --follow streams it until the task completes.")
    .option('--stderr', 'stderr.txt instead of stdout.txt')
    .option('-f, --follow', 'keep printing new output until the task completes')
    .option('--tail <n>', 'start with the last N lines', intArg(0))
    .option('--interval <ms>', 'how often --follow checks for new output', intArg(50), 500)
    .action(clientAction<LogFlags>(printLogs));
}
