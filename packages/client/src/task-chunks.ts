/**
 * Splits the tasks of `createTasks` into add-task-collection chunks: at most `maxCount` tasks and under `maxBytes`
 * of JSON body each. Chunks are cut lazily, as workers ask for them, so a 413 can lower the size for the rest.
 */
import type { TaskAddParameter } from '@batchite/protocol';
import type { TaskCreateOutcome } from './create-tasks.js';

export interface TaskEntry {
  /** Position in the caller's array (outcomes keep this order). */
  index: number;
  task: TaskAddParameter;
  /** Serialized size of the task, in bytes. */
  bytes: number;
  /** Times this task was sent. */
  attempts: number;
  /** A send of this task had an unknown outcome: a later `TaskExists` must be verified. */
  ambiguous: boolean;
  outcome?: TaskCreateOutcome;
}

/** Bytes of `{"value":[` + `]}` around the tasks. */
const ENVELOPE_BYTES = 12;

export class ChunkQueue {
  #cursor = 0;
  /** Halves of chunks that were too large, served before new chunks. */
  readonly #retry: TaskEntry[][] = [];

  constructor(
    private readonly entries: readonly TaskEntry[],
    private maxCount: number,
    private readonly maxBytes: number,
  ) {}

  /** The next chunk, or undefined when every task has been handed out. */
  next(): TaskEntry[] | undefined {
    const retried = this.#retry.shift();
    if (retried) {
      // A half queued before the size was lowered again is cut to the current size.
      if (retried.length > this.maxCount) this.#retry.unshift(retried.slice(this.maxCount));
      return retried.slice(0, this.maxCount);
    }
    if (this.#cursor >= this.entries.length) return undefined;
    const chunk: TaskEntry[] = [];
    let bytes = ENVELOPE_BYTES;
    while (this.#cursor < this.entries.length && chunk.length < this.maxCount) {
      const entry = this.entries[this.#cursor] as TaskEntry;
      const added = entry.bytes + (chunk.length > 0 ? 1 : 0);
      // A single oversized task still goes alone: the service answers 413 for it, and it fails on its own.
      if (chunk.length > 0 && bytes + added >= this.maxBytes) break;
      chunk.push(entry);
      bytes += added;
      this.#cursor += 1;
    }
    return chunk;
  }

  /** A chunk was too large (413): queue its halves and use the smaller size from now on. */
  split(chunk: TaskEntry[]): void {
    const half = Math.ceil(chunk.length / 2);
    this.maxCount = Math.max(1, Math.min(this.maxCount, half));
    this.#retry.unshift(chunk.slice(0, half), chunk.slice(half));
  }
}
