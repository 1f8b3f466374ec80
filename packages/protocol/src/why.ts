/**
 * "Why isn't my task running?" answers (Batchite extension, `/.batchite/jobs/{job}[/tasks/{task}]/why`), shared
 * by the server that computes them and the clients that show them. Codes are a stable API (never renamed or
 * reused); messages may change.
 */

export type WaitOutlook = 'will-resolve' | 'needs-action' | 'never';

export const WAIT_CODES = [
  'JobDisabled',
  'JobTerminated',
  'PoolNotFound',
  'DependencyFailed',
  'WaitingOnDependencies',
  'WaitingOnJobManager',
  'RetryBackoff',
  'SlotsExceedNodeSize',
  'PoolHasNoNodes',
  'NodesStarting',
  'NodesRunningStartTask',
  'StartTaskFailed',
  'NodesSchedulingDisabled',
  'NoUsableNodes',
  'JobMaxParallelTasks',
  'Priority',
  'ExclusiveNodeBusy',
  'NotEnoughNodes',
  'NodesBusy',
  'NotYetEvaluated',
] as const;
export type WaitCode = (typeof WAIT_CODES)[number];

export interface WaitReason {
  code: WaitCode;
  outlook: WaitOutlook;
  message: string;
  details?: Record<string, unknown>;
  /** A command that would change things, when there is one. */
  action?: string;
}

export interface WaitInfo extends WaitReason {
  since?: string;
  evaluatedAt: string;
  blockers: WaitReason[];
  /** When the reason will change by itself (retry backoff). */
  nextChangeAt?: string;
}

export interface TaskExplanation {
  jobId: string;
  taskId: string;
  state: string;
  /** Present while the task waits (state active). */
  waitInfo?: WaitInfo;
  /** Where it runs, or how it ended. */
  summary: string;
  retryCount: number;
  requeueCount: number;
}

/** Waiting tasks that share a primary reason. */
export interface WaitGroup {
  code: WaitCode;
  outlook: WaitOutlook;
  count: number;
  /** The message of one of them. */
  example: string;
  /** Up to 10 of their ids. */
  taskIds: string[];
}

export interface JobExplanation {
  jobId: string;
  state: string;
  counts: { active: number; running: number; completed: number; succeeded: number; failed: number };
  /** Waiting tasks by primary reason, with a few example ids each. */
  waiting: WaitGroup[];
  /** True when only the first `scanned` active tasks were examined. */
  truncated: boolean;
  scanned: number;
}
