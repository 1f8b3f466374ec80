import type { Clock, RetryPolicy } from '@batchite/retry';
import type { AgentLogger } from './logger.js';
import type { ProcessRecords } from './process-records.js';
import type { TaskUsers } from './task-users.js';

/**
 * What the agent lends the runners of its node-level runs (the start task, job preparation and release):
 * where and as whom they run, and how an attempt's report `R` reaches the server.
 */
export interface AgentRunHost<R> {
  rootDir: string;
  nodeId: () => string;
  poolId: string;
  clock: Clock;
  systemPath?: string | undefined;
  users: TaskUsers;
  processes: ProcessRecords;
  logger: AgentLogger;
  /** The node's one retry policy for resource file downloads (shared with its tasks' downloads). */
  downloads: RetryPolicy;
  /** Delivers a report (retried until answered or `signal` aborts); false when the server refused it. */
  report: (report: R, signal: AbortSignal) => Promise<boolean>;
}
