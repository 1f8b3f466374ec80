/**
 * The dashboard's task view and its output viewer. Output files are read in byte ranges (the tail first, earlier
 * chunks on demand, new bytes by offset while the task runs), never whole: a 2 GB stdout stays cheap to show.
 */
import type { CloudTask } from '@batchite/protocol';
import { TaskFileError } from '@batchite/protocol/task-files';
import { apiError, isApiError } from '../http/api-error.js';
import type { TaskDoc } from '../store/documents.js';
import { getTask } from '../services/tasks-service.js';
import type { ServiceContext } from '../services/service-context.js';
import { taskFilesFor } from '../services/task-file-sources.js';
import type { TaskExplanation } from '@batchite/protocol';
import { explainTask } from '../services/why.js';
import { maskTask } from './ui-secrets.js';

/** The files the viewer shows; anything else stays behind the Batch file API. */
export const OUTPUT_FILES = ['stdout.txt', 'stderr.txt'] as const;
export type OutputFile = (typeof OUTPUT_FILES)[number];

/** Largest chunk one request returns. */
export const MAX_CHUNK_BYTES = 256 * 1024;

export interface UiFileState {
  name: OutputFile;
  /** Bytes, or absent when the file does not exist (yet). */
  size?: number;
  /** Why the file could not be looked at (e.g. its node is unreachable). */
  error?: string;
}

export interface UiTask {
  jobId: string;
  task: CloudTask & { id: string };
  why: TaskExplanation;
  files: UiFileState[];
  /** What the dashboard's buttons may do now. */
  actions: { terminate: boolean; reactivate: boolean };
}

export interface FileChunk {
  size: number;
  start: number;
  bytes: Buffer;
}

function fileProblem(error: unknown): string | undefined {
  if (error instanceof TaskFileError && error.code === 'FileNotFound') return undefined;
  if (error instanceof Error) return error.message;
  return String(error);
}

async function fileStates(context: ServiceContext, task: TaskDoc): Promise<UiFileState[]> {
  const files = await taskFilesFor(context, task);
  const states: UiFileState[] = [];
  for (const name of OUTPUT_FILES) {
    try {
      const info = await files.stat(name);
      states.push({ name, size: info.size });
    } catch (error) {
      const problem = fileProblem(error);
      states.push(problem === undefined ? { name } : { name, error: problem });
    }
  }
  return states;
}

/** The task view; secret-looking environment values and URL signatures are masked unless `reveal` asks. */
export async function buildTaskView(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  options: { reveal?: boolean } = {},
): Promise<UiTask> {
  const task = await getTask(context, jobId, taskId);
  const why = await explainTask(context, task.jobId, task.entity.id);
  const state = task.entity.state ?? 'active';
  return {
    jobId: task.jobId,
    task: options.reveal === true ? task.entity : maskTask(task.entity),
    why,
    files: await fileStates(context, task),
    actions: {
      terminate: state !== 'completed',
      reactivate: state === 'completed' && task.entity.executionInfo?.result === 'failure',
    },
  };
}

export function parseOutputFile(name: string): OutputFile {
  if ((OUTPUT_FILES as readonly string[]).includes(name)) return name as OutputFile;
  throw apiError('FileNotFound', { message: `The dashboard shows ${OUTPUT_FILES.join(' and ')} only.` });
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === 'string' ? Buffer.from(part) : part);
  return Buffer.concat(parts);
}

/**
 * Reads `length` bytes from `start`; without `start`, the last `length` bytes (the tail). A start at or past the
 * end answers no bytes and the current size, which is how a follower learns nothing new arrived.
 */
export async function readFileChunk(
  context: ServiceContext,
  jobId: string,
  taskId: string,
  name: OutputFile,
  request: { start?: number; length: number },
): Promise<FileChunk> {
  const task = await getTask(context, jobId, taskId);
  const files = await taskFilesFor(context, task);
  let size: number;
  try {
    size = (await files.stat(name)).size;
  } catch (error) {
    if (error instanceof TaskFileError || isApiError(error)) throw error;
    throw apiError('TaskFilesUnavailable', { message: fileProblem(error) ?? 'unknown' });
  }
  const length = Math.max(0, Math.min(request.length, MAX_CHUNK_BYTES));
  const start = request.start === undefined ? Math.max(0, size - length) : Math.min(request.start, size);
  const end = Math.min(size, start + length) - 1;
  if (end < start) return { size, start, bytes: Buffer.alloc(0) };
  const bytes = await readAll(await files.read(name, { start, end }));
  return { size, start, bytes };
}
