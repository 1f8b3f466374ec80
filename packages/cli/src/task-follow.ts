/**
 * What `task logs --follow` says besides the output: while the task waits, the scheduler's reason each time it
 * changes; a stop at once when the task will not run without someone acting on it (it would otherwise wait in
 * silence forever); and at the end, how the task ended.
 */
import type { BatchClient } from '@batchite/client';
import type { CloudTask } from '@batchite/protocol';
import type { TaskExplanation } from './batchite-types.js';
import type { Style } from './style.js';

/**
 * Reasons that end a follow: `never` outlooks (job terminated, dependency failed, slots beyond the node size), and
 * a disabled job or a missing pool, which nothing in the service changes by itself. Others (no nodes yet, nodes
 * busy or lost) may resolve while we watch, so the follow goes on and says why.
 */
export function stopsFollowing(explanation: TaskExplanation): boolean {
  const wait = explanation.waitInfo;
  if (wait === undefined) return false;
  return wait.outlook === 'never' || wait.code === 'JobDisabled' || wait.code === 'PoolNotFound';
}

/** One line for the current wait, e.g. `waiting: NodesBusy: All slots on 1 node(s) … are busy`. */
export function waitLine(explanation: TaskExplanation, style: Style): string | undefined {
  const wait = explanation.waitInfo;
  if (wait === undefined) return undefined;
  return `${style.dim('waiting:')} ${style.bold(wait.code)}: ${reasonText(explanation)}`;
}

function reasonText(explanation: TaskExplanation): string {
  const wait = explanation.waitInfo;
  if (wait === undefined) return explanation.summary;
  return `${wait.message}${wait.action === undefined ? '' : ` (to fix: ${wait.action})`}`;
}

/** Prints the wait reason when it changes; `check` says whether the follow must stop. */
export class WaitReporter {
  #last: string | undefined;

  constructor(
    private readonly client: BatchClient,
    private readonly jobId: string,
    private readonly taskId: string,
    private readonly style: Style,
    private readonly write: (line: string) => void,
  ) {}

  /** The reason the follow stops, or undefined to keep following. */
  async check(signal: AbortSignal): Promise<string | undefined> {
    const explanation = await this.client.why(this.jobId, this.taskId, { signal });
    const line = waitLine(explanation, this.style);
    if (stopsFollowing(explanation))
      return `task ${this.taskId} will not run: ${explanation.waitInfo?.code}: ${reasonText(explanation)}`;
    // The same code with a new message (e.g. another running count) is not news worth a line.
    const code = explanation.waitInfo?.code;
    if (line !== undefined && code !== this.#last) this.write(line);
    this.#last = code;
    return undefined;
  }
}

/** How a completed task ended, and whether that is a failure (the command then exits non-zero). */
export function outcomeLine(task: CloudTask, style: Style): { line: string; failed: boolean } {
  const info = task.executionInfo;
  const exit = info?.exitCode === undefined ? 'no exit code' : `exit code ${info.exitCode}`;
  if (info?.result === 'failure') {
    const why = info.failureInfo?.message ?? info.failureInfo?.code;
    return {
      line: `${style.red(`task ${task.id} failed`)}: ${exit}${why === undefined ? '' : ` (${why})`}`,
      failed: true,
    };
  }
  return { line: `${style.green(`task ${task.id} succeeded`)}: ${exit}`, failed: false };
}
