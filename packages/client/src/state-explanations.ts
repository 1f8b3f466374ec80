/**
 * Human explanations of state errors (409 `invalidOperation`): which resource was in which state, and what the
 * operation needs — e.g. "task t1 is already completed; terminate applies to active, preparing or running tasks".
 * Built from the error code and the operation table, never from the server's message text.
 */
import type { OperationPolicy } from './operation-policies.js';

/** Ids of the resources a call addressed. */
export interface ResourceIds {
  poolId?: string;
  nodeId?: string;
  jobId?: string;
  jobScheduleId?: string;
  taskId?: string;
  filePath?: string;
}

type StateText = (ids: ResourceIds) => string;

const STATE_TEXTS: Readonly<Record<string, StateText>> = Object.freeze({
  TaskCompleted: (ids) => `task ${ids.taskId ?? '?'} is already completed`,
  TaskNotCompleted: (ids) => `task ${ids.taskId ?? '?'} is not completed`,
  TaskSucceeded: (ids) => `task ${ids.taskId ?? '?'} completed successfully`,
  TaskFilesUnavailable: (ids) => `the files of task ${ids.taskId ?? '?'} are not available`,
  TaskFilesCleanedup: (ids) =>
    `the files of task ${ids.taskId ?? '?'} were cleaned up after its retention time`,
  JobCompleted: (ids) => `job ${ids.jobId ?? '?'} is already completed`,
  JobBeingTerminated: (ids) => `job ${ids.jobId ?? '?'} is being terminated`,
  JobBeingDeleted: (ids) => `job ${ids.jobId ?? '?'} is being deleted`,
  JobDisabled: (ids) => `job ${ids.jobId ?? '?'} is disabled`,
  JobNotActive: (ids) => `job ${ids.jobId ?? '?'} is not active`,
  JobScheduleCompleted: (ids) => `job schedule ${ids.jobScheduleId ?? '?'} is already completed`,
  JobScheduleBeingTerminated: (ids) => `job schedule ${ids.jobScheduleId ?? '?'} is being terminated`,
  JobScheduleBeingDeleted: (ids) => `job schedule ${ids.jobScheduleId ?? '?'} is being deleted`,
  JobScheduleDisabled: (ids) => `job schedule ${ids.jobScheduleId ?? '?'} is disabled`,
  PoolBeingDeleted: (ids) => `pool ${ids.poolId ?? '?'} is being deleted`,
  PoolBeingResized: (ids) => `pool ${ids.poolId ?? '?'} is being resized`,
  PoolBeingCreated: (ids) => `pool ${ids.poolId ?? '?'} is still being created`,
  OperationNotValidOnNode: (ids) => `node ${ids.nodeId ?? '?'} is not in a state that allows it`,
  ActiveJobAndScheduleQuotaReached: () => `the account's quota of active jobs and job schedules is reached`,
  PoolQuotaReached: () => `the account's pool quota is reached`,
});

function subject(policy: OperationPolicy, ids: ResourceIds): string {
  switch (policy.resource) {
    case 'account':
      return 'the account';
    case 'pool':
      return `pool ${ids.poolId ?? '?'}`;
    case 'node':
      return `node ${ids.nodeId ?? '?'}`;
    case 'job':
      return `job ${ids.jobId ?? '?'}`;
    case 'jobSchedule':
      return `job schedule ${ids.jobScheduleId ?? '?'}`;
    case 'task':
      return ids.taskId === undefined ? `job ${ids.jobId ?? '?'}` : `task ${ids.taskId}`;
    case 'file':
      return `file ${ids.filePath ?? '?'} of task ${ids.taskId ?? '?'}`;
  }
}

/** The explanation for a state error of `code` raised by the operation `policy`. */
export function explainStateError(
  code: string | undefined,
  policy: OperationPolicy,
  ids: ResourceIds,
): string {
  const text = code === undefined ? undefined : STATE_TEXTS[code];
  const state = text ? text(ids) : `${subject(policy, ids)} is not in a state that allows ${policy.verb}`;
  return policy.requires ? `${state}; ${policy.verb} applies to ${policy.requires}` : state;
}
