/**
 * The input of `batchite run`: a text file of command lines (one a line; blank lines and `#` comments skipped), or a
 * JSON array of TaskAddParameter objects. Command lines get ids `task-001`, `task-002`, … in file order.
 */
import { basename, extname } from 'node:path';
import type { TaskAddParameter } from '@batchite/protocol';
import { parseJson } from './args.js';
import { UsageError } from './cli-errors.js';

function fromLines(text: string): TaskAddParameter[] {
  const commands = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const width = Math.max(3, String(commands.length).length);
  return commands.map((commandLine, i) => ({
    id: `task-${String(i + 1).padStart(width, '0')}`,
    commandLine,
  }));
}

function fromJson(text: string, source: string): TaskAddParameter[] {
  const value = parseJson(text, source);
  if (!Array.isArray(value)) throw new UsageError(`${source} must hold a JSON array of tasks`);
  const width = Math.max(3, String(value.length).length);
  const seen = new Set<string>();
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new UsageError(`${source}: item ${i + 1} is not a task object`);
    const task = item as Partial<TaskAddParameter>;
    if (typeof task.commandLine !== 'string' || task.commandLine.trim() === '')
      throw new UsageError(`${source}: item ${i + 1} has no commandLine`);
    const id = typeof task.id === 'string' ? task.id : `task-${String(i + 1).padStart(width, '0')}`;
    if (seen.has(id.toLowerCase())) throw new UsageError(`${source}: task id ${id} appears twice`);
    seen.add(id.toLowerCase());
    return { ...task, id, commandLine: task.commandLine };
  });
}

export function parseRunFile(text: string, source: string): TaskAddParameter[] {
  const tasks = text.trimStart().startsWith('[') ? fromJson(text, source) : fromLines(text);
  if (tasks.length === 0)
    throw new UsageError(
      `${source} has no commands`,
      'write one command line per line, or a JSON array of tasks',
    );
  return tasks;
}

/** `run-commands-20260105-120003-a1b2`: the file's name, the local time, and a few random characters. */
export function generatedJobId(file: string, now = new Date(), random = Math.random): string {
  const name = basename(file, extname(file))
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return ['run', name, stamp, suffix].filter((part) => part !== '').join('-');
}
