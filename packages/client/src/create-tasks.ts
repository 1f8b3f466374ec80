/**
 * `createTasks`: any number of tasks through add-task-collection.
 *
 * - Chunks of at most 100 tasks and under 1 MB serialized; a 413 `RequestBodyTooLarge` halves the chunk (and lowers
 *   the chunk size for the rest of the run, as the Python SDK does).
 * - `concurrency` chunks in flight at once.
 * - Each chunk is ONE call of the shared retry engine. An attempt sends the chunk's still-pending tasks; when some come
 *   back `servererror`, the attempt fails with an `ItemRetryError` and the engine waits (same backoff, host gate,
 *   budget, deadline and abort as every other call) before the next attempt resends only those tasks.
 * - `TaskExists` for a task whose earlier send was ambiguous (a network error, a 5xx, a timeout, or a `servererror`
 *   item) is reconciled: GET the task and accept it (`existed`) only if it matches what was sent. `TaskExists` on a
 *   task's first send is a conflict (`failed`, kind `alreadyExists`).
 * - One outcome per task, in input order.
 */
import { randomUUID } from 'node:crypto';
import type { TaskAddError, TaskAddParameter, TaskAddResult } from '@batchite/protocol';
import { idKey } from '@batchite/protocol';
import { isRetryError, type AttemptContext, type Classifier } from '@batchite/retry';
import { BatchError, kindOf } from './batch-error.js';
import { sendAttempt } from './http/transport.js';
import { seg } from './operations/common.js';
import { verifyExisting } from './operations/create.js';
import { MAX_TASKS_PER_COLLECTION, taskPath } from './operations/tasks.js';
import type { CallOptions } from './options.js';
import { historyAmbiguous, isAmbiguousFailure, toBatchError, type Pipeline } from './pipeline.js';
import { ChunkQueue, type TaskEntry } from './task-chunks.js';

export interface CreateTasksOptions extends CallOptions {
  /** Chunks in flight at once. @defaultValue 4 */
  concurrency?: number;
}

export interface TaskCreateOutcome {
  taskId: string;
  /** `created` by this call; `existed`: an ambiguous earlier send created it (verified by GET); `failed`. */
  status: 'created' | 'existed' | 'failed';
  error?: BatchError;
  /** How many times this task was sent. */
  attempts: number;
}

export const DEFAULT_CREATE_TASKS_OPTIONS = Object.freeze({
  concurrency: 4,
  maxTasksPerRequest: MAX_TASKS_PER_COLLECTION,
  /** The service rejects bodies of 1 MB or more; stay a little below. */
  maxRequestBytes: 1_000_000,
});

/** Kinds of a whole-chunk failure after which no further chunk can succeed, so the run stops. */
const STOP_KINDS: ReadonlySet<string> = new Set(['auth', 'notFound', 'invalidOperation']);

/** An attempt whose request succeeded but some of whose tasks came back `servererror` (retried by the engine). */
export class ItemRetryError extends Error {
  override readonly name = 'ItemRetryError';
  constructor(
    readonly failed: number,
    readonly sent: number,
    readonly itemError: TaskAddError | undefined,
  ) {
    super(`${failed} of ${sent} tasks came back servererror (${itemError?.code ?? 'no result'})`);
  }
  get code(): string {
    return this.itemError?.code ?? 'MissingTaskResult';
  }
}

const THROTTLE_CODES: ReadonlySet<string> = new Set(['ServerBusy', 'TooManyRequests']);

function itemClassifier(user: Classifier | undefined): Classifier {
  return (error, context) => {
    if (error instanceof ItemRetryError) {
      const kind = THROTTLE_CODES.has(error.code) ? 'throttled' : 'retry';
      return { kind, reason: 'task-servererror' };
    }
    return user?.(error, context);
  };
}

/** A per-task error of add-task-collection as a `BatchError`. */
export function itemError(
  error: TaskAddError | undefined,
  status: string,
  clientRequestId: string,
): BatchError {
  const code = error?.code;
  const fallbackStatus = status.toLowerCase() === 'servererror' ? 500 : 400;
  return new BatchError({
    message: `${code ?? status}: ${error?.message?.value?.split('\nRequestId:')[0] ?? 'no result for this task'}`,
    kind: kindOf(code, fallbackStatus),
    code,
    clientRequestId,
    values: error?.values,
  });
}

interface ChunkState {
  /** Tasks in the chunk when it started. */
  size: number;
  pending: TaskEntry[];
  toReconcile: TaskEntry[];
  clientRequestId: string;
  /** End of the chunk's deadline on the engine's clock: its reconciliation reads share it. */
  deadlineAt: number;
}

export class TaskCreator {
  readonly #queue: ChunkQueue;
  #stop: BatchError | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly jobId: string,
    private readonly entries: TaskEntry[],
    private readonly options: CreateTasksOptions,
  ) {
    const limits = DEFAULT_CREATE_TASKS_OPTIONS;
    this.#queue = new ChunkQueue(
      entries.filter((e) => e.outcome === undefined),
      limits.maxTasksPerRequest,
      limits.maxRequestBytes,
    );
  }

  async run(): Promise<void> {
    const concurrency = Math.max(
      1,
      Math.floor(this.options.concurrency ?? DEFAULT_CREATE_TASKS_OPTIONS.concurrency),
    );
    const endAt = this.options.timeoutMs === undefined ? undefined : this.#now() + this.options.timeoutMs;
    const worker = async (): Promise<void> => {
      for (let chunk = this.#queue.next(); chunk && !this.#stop; chunk = this.#queue.next()) {
        await this.#runChunk(chunk, endAt);
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    if (this.options.signal?.aborted) throw this.options.signal.reason;
    const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    for (const entry of this.entries) {
      entry.outcome ??= {
        taskId: entry.task.id,
        status: 'failed',
        error: this.#stop,
        attempts: entry.attempts,
      };
    }
  }

  #now(): number {
    return this.pipeline.config.transport.now();
  }

  async #runChunk(chunk: TaskEntry[], endAt: number | undefined): Promise<void> {
    const extra = {
      classify: itemClassifier(this.options.retry?.classify),
      ...(endAt === undefined ? {} : { deadlineMs: Math.max(1, endAt - this.#now()) }),
    };
    const overrides = this.pipeline.overrides(this.options, extra);
    const state: ChunkState = {
      size: chunk.length,
      pending: chunk,
      toReconcile: [],
      clientRequestId: randomUUID(),
      deadlineAt:
        this.pipeline.now() + (overrides.deadlineMs ?? this.pipeline.config.policy.options.deadlineMs),
    };
    try {
      await this.pipeline.config.policy.execute((ctx) => this.#attempt(ctx, state), overrides);
    } catch (thrown) {
      this.#chunkFailed(thrown, state);
    }
    for (const entry of state.toReconcile) await this.#reconcile(entry, state);
  }

  async #attempt(ctx: AttemptContext, state: ChunkState): Promise<void> {
    const sending = state.pending;
    const earlierAmbiguous = historyAmbiguous(ctx.history);
    for (const entry of sending) {
      entry.attempts += 1;
      if (earlierAmbiguous) entry.ambiguous = true;
    }
    if (ctx.attempt > 1) this.#refundUnsentShare(ctx, sending.length / state.size);
    let results: TaskAddResult[];
    try {
      const response = await sendAttempt(
        this.pipeline.config.transport,
        {
          method: 'POST',
          path: `/jobs/${seg(this.jobId)}/addtaskcollection`,
          body: { value: sending.map((e) => e.task) },
          expect: [200],
          read: 'json',
        },
        { signal: ctx.signal, remainingMs: ctx.remainingMs, clientRequestId: state.clientRequestId },
      );
      results = ((response.body ?? {}) as { value?: TaskAddResult[] }).value ?? [];
    } catch (error) {
      if (isAmbiguousFailure(error)) for (const entry of sending) entry.ambiguous = true;
      throw error;
    }
    state.pending = this.#settleItems(sending, results, state);
    if (state.pending.length > 0) {
      const sample = results.find((r) => r.status.toLowerCase() === 'servererror')?.error;
      throw new ItemRetryError(state.pending.length, sending.length, sample);
    }
  }

  /**
   * An item-level round resends only part of the chunk, so it should cost only that share of a retry. When the
   * budget's bucket paid for this round (the adaptive part pays nothing), give back the share that is not resent.
   */
  #refundUnsentShare(ctx: AttemptContext, share: number): void {
    if (share >= 1) return;
    const paid = ctx.history.at(-1)?.budgetCost ?? 0;
    if (paid > 0) this.pipeline.config.policy.budget.refund(paid * (1 - share));
  }

  /** Applies per-task results; returns the tasks to resend. */
  #settleItems(sending: TaskEntry[], results: TaskAddResult[], state: ChunkState): TaskEntry[] {
    const byId = new Map(results.map((r) => [idKey(r.taskId ?? ''), r]));
    const retry: TaskEntry[] = [];
    for (const entry of sending) {
      const result = byId.get(idKey(entry.task.id));
      const status = result?.status.toLowerCase();
      if (status === 'success') {
        entry.outcome = { taskId: entry.task.id, status: 'created', attempts: entry.attempts };
      } else if (result === undefined || status === 'servererror') {
        // The server may have stored it anyway: a later TaskExists must be verified, not trusted or refused.
        entry.ambiguous = true;
        retry.push(entry);
      } else if (result.error?.code === 'TaskExists' && entry.ambiguous) {
        state.toReconcile.push(entry);
      } else {
        const error = itemError(result.error, result.status, state.clientRequestId);
        entry.outcome = { taskId: entry.task.id, status: 'failed', error, attempts: entry.attempts };
      }
    }
    return retry;
  }

  #chunkFailed(thrown: unknown, state: ChunkState): void {
    const error = this.#asBatchError(thrown, state);
    if (error.statusCode === 413 && state.pending.length > 1) {
      this.#queue.split(state.pending);
      return;
    }
    for (const entry of state.pending) {
      entry.outcome = { taskId: entry.task.id, status: 'failed', error, attempts: entry.attempts };
    }
    if (STOP_KINDS.has(error.kind) && error.statusCode !== undefined) this.#stop ??= error;
  }

  #asBatchError(thrown: unknown, state: ChunkState): BatchError {
    if (isRetryError(thrown) && thrown.reason !== 'aborted' && thrown.lastError instanceof ItemRetryError) {
      const error = itemError(thrown.lastError.itemError, 'servererror', state.clientRequestId);
      error.giveUpReason = thrown.reason;
      error.attempts = thrown.attempts;
      error.history = thrown.history;
      return error;
    }
    // Aborts are rethrown as the signal's reason here.
    return toBatchError(thrown, state.clientRequestId, this.pipeline.gateClosed());
  }

  async #reconcile(entry: TaskEntry, state: ChunkState): Promise<void> {
    const { clientRequestId, deadlineAt } = state;
    const conflict = itemError(
      { code: 'TaskExists', message: { lang: 'en-US', value: 'The specified task already exists.' } },
      'clienterror',
      clientRequestId,
    );
    const { id } = entry.task;
    const verdict = await verifyExisting(
      this.pipeline,
      {
        getOp: 'getTask',
        resourcePath: taskPath(this.jobId, id),
        label: `task ${id}`,
        sent: entry.task,
        ids: { jobId: this.jobId, taskId: id },
      },
      {
        ...(this.options.retry ? { retry: this.options.retry } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      },
      conflict,
      deadlineAt,
    );
    entry.outcome =
      verdict.stored === undefined
        ? { taskId: id, status: 'failed', error: conflict, attempts: entry.attempts }
        : { taskId: id, status: 'existed', attempts: entry.attempts };
  }
}

/** Runs `createTasks` for `tasks` and returns one outcome per task, in input order. */
export async function createTasks(
  pipeline: Pipeline,
  jobId: string,
  tasks: readonly TaskAddParameter[],
  options: CreateTasksOptions,
): Promise<TaskCreateOutcome[]> {
  const seen = new Set<string>();
  const entries: TaskEntry[] = tasks.map((task, index) => {
    const entry: TaskEntry = {
      index,
      task,
      bytes: Buffer.byteLength(JSON.stringify(task)),
      attempts: 0,
      ambiguous: false,
    };
    const key = idKey(task.id);
    if (seen.has(key)) {
      const error = new BatchError({
        message: `task id ${task.id} appears more than once in this call (ids are case-insensitive)`,
        kind: 'badRequest',
        code: 'DuplicateTaskIdInRequest',
      });
      entry.outcome = { taskId: task.id, status: 'failed', error, attempts: 0 };
    }
    seen.add(key);
    return entry;
  });
  await new TaskCreator(pipeline, jobId, entries, options).run();
  return entries.map((e) => e.outcome as TaskCreateOutcome);
}
