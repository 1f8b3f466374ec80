/**
 * The dashboard's failure triage: a job's failed tasks grouped by exit code and first stderr line (the grouping
 * `batchite run` uses, @batchite/protocol failure-groups.ts), and the first stderr line of a failed row in the
 * task table. Reading stderr heads of many tasks is bounded three ways, so the dashboard stays cheap at 10k+
 * failures: each read is a small byte range, a request reads at most `stderrReads` tasks, and heads are cached
 * per task run (a re-run has another end time, so it is read afresh).
 */
import {
  groupFailures,
  idKey,
  type FailedTaskSample,
  type FailureGroup,
  firstLine,
} from '@batchite/protocol';
import type { TaskDoc } from '../store/documents.js';
import { getJob } from '../services/jobs-service.js';
import type { ServiceContext } from '../services/service-context.js';
import { taskFilesFor } from '../services/task-file-sources.js';

export const FAILURE_LIMITS = Object.freeze({
  /** Completed tasks looked at per request; beyond it the answer says `truncated`. */
  maxScan: 20_000,
  /** Failed tasks (in id order) whose stderr head a request reads; the rest group by failure info. */
  stderrReads: 500,
  /** Bytes of stderr read per task. */
  headBytes: 1024,
  /** Heads kept in memory (least recently used go first). */
  cacheEntries: 10_000,
  /** Reads in flight. */
  readsAtOnce: 8,
  /** Groups answered; more are counted. */
  maxGroups: 50,
  /** Task ids per group. */
  examples: 5,
});

export interface UiFailures {
  failed: number;
  groups: FailureGroup[];
  /** Groups (and their tasks) not listed. */
  more: { groups: number; tasks: number };
  /** Failed tasks whose stderr was read (the first ones in id order). */
  stderrRead: number;
  /** The scan stopped at `FAILURE_LIMITS.maxScan` completed tasks: counts cover those only. */
  truncated: boolean;
}

/** Reads one task run's first stderr line; undefined when it has none, a rejection when it cannot tell now. */
export type HeadReader = (task: TaskDoc) => Promise<string | undefined>;

/** The head reader of the running server: a small byte range of the run's stderr.txt, wherever its node is. */
export function stderrHeadReader(context: ServiceContext): HeadReader {
  return (task) => readHead(context, task);
}

async function readHead(context: ServiceContext, task: TaskDoc): Promise<string | undefined> {
  const files = await taskFilesFor(context, task);
  let size: number;
  try {
    size = (await files.stat('stderr.txt')).size;
  } catch {
    return undefined; // No stderr (never started, or its node is gone): grouped by failure info.
  }
  if (size === 0) return undefined;
  const parts: Buffer[] = [];
  const end = Math.min(size, FAILURE_LIMITS.headBytes) - 1;
  const stream: AsyncIterable<Buffer | string> = await files.read('stderr.txt', { start: 0, end });
  for await (const part of stream) parts.push(typeof part === 'string' ? Buffer.from(part) : part);
  return firstLine(Buffer.concat(parts).toString('utf8'));
}

/** First stderr lines of failed task runs, cached (LRU by Map order). One per server. */
export class StderrHeads {
  readonly #cache = new Map<string, string | undefined>();
  readonly #read: HeadReader;

  constructor(read: HeadReader) {
    this.#read = read;
  }

  async firstLine(task: TaskDoc): Promise<string | undefined> {
    const info = task.entity.executionInfo;
    const key = `${task.jobId}\n${task.entity.id}\n${info?.endTime ?? ''}\n${info?.retryCount ?? 0}`;
    if (this.#cache.has(key)) {
      const line = this.#cache.get(key);
      this.#cache.delete(key);
      this.#cache.set(key, line);
      return line;
    }
    let line: string | undefined;
    try {
      line = await this.#read(task);
    } catch {
      return undefined; // A node that cannot answer now may later: not cached.
    }
    this.#cache.set(key, line);
    if (this.#cache.size > FAILURE_LIMITS.cacheEntries)
      this.#cache.delete(this.#cache.keys().next().value as string);
    return line;
  }

  /** Heads of `tasks`, a few reads at a time; index-aligned. */
  async firstLines(tasks: readonly TaskDoc[]): Promise<(string | undefined)[]> {
    const lines: (string | undefined)[] = [];
    for (let i = 0; i < tasks.length; i += FAILURE_LIMITS.readsAtOnce) {
      const batch = tasks.slice(i, i + FAILURE_LIMITS.readsAtOnce);
      lines.push(...(await Promise.all(batch.map((task) => this.firstLine(task)))));
    }
    return lines;
  }
}

/** The failed tasks of a job, in id order, scanning at most `maxScan` completed tasks. */
export async function failedTaskDocs(
  context: ServiceContext,
  jobId: string,
): Promise<{ tasks: TaskDoc[]; truncated: boolean }> {
  const tasks: TaskDoc[] = [];
  let afterKey: string | undefined;
  for (let scanned = 0; scanned < FAILURE_LIMITS.maxScan;) {
    const found = await context.store.listTasks(jobId, {
      state: 'completed',
      limit: 500,
      ...(afterKey === undefined ? {} : { afterKey }),
    });
    scanned += found.length;
    for (const task of found) if (task.entity.executionInfo?.result === 'failure') tasks.push(task);
    const last = found.at(-1);
    if (found.length < 500 || last === undefined) return { tasks, truncated: false };
    afterKey = idKey(last.entity.id);
  }
  return { tasks, truncated: true };
}

function sample(task: TaskDoc, line: string | undefined): FailedTaskSample {
  const info = task.entity.executionInfo;
  const failure = info?.failureInfo;
  return {
    id: task.entity.id,
    ...(info?.exitCode === undefined ? {} : { exitCode: info.exitCode }),
    ...(failure?.code === undefined ? {} : { failureCode: failure.code }),
    ...(failure?.message === undefined ? {} : { failureMessage: failure.message }),
    ...(line === undefined ? {} : { stderrFirstLine: line }),
  };
}

export async function buildFailures(
  context: ServiceContext,
  heads: StderrHeads,
  jobId: string,
): Promise<UiFailures> {
  const job = await getJob(context, jobId);
  const { tasks, truncated } = await failedTaskDocs(context, job.entity.id);
  const read = tasks.slice(0, FAILURE_LIMITS.stderrReads);
  const lines = await heads.firstLines(read);
  const samples = tasks.map((task, index) => sample(task, lines[index]));
  const groups = groupFailures(samples, FAILURE_LIMITS.examples);
  const hidden = groups.slice(FAILURE_LIMITS.maxGroups);
  return {
    failed: tasks.length,
    groups: groups.slice(0, FAILURE_LIMITS.maxGroups),
    more: { groups: hidden.length, tasks: hidden.reduce((sum, group) => sum + group.count, 0) },
    stderrRead: read.length,
    truncated,
  };
}
