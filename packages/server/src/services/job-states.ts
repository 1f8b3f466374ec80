/**
 * The job state machine (Azure Batch REST reference):
 *
 *   active ──disable──► disabling ──(no running tasks)──► disabled ──enable──► enabling ──► active
 *   active | disabling | disabled | enabling ──terminate──► terminating ──(running tasks ended)──► completed
 *   active ──(onAllTasksComplete: terminatejob, nothing left to run)──► completed (AllTasksComplete)
 *   any ──delete──► deleting ──(tasks and files removed)──► gone
 *
 * The intermediate states (disabling, enabling, terminating) last only while running tasks are being dealt
 * with; `settleJobState` moves a job on once nothing is running.
 */
import type { JobState } from '@batchite/protocol';
import { apiError, type ApiError } from '../http/api-error.js';

/** The 409 for an operation the job's current state does not allow. */
export function jobStateConflict(state: JobState | undefined, operation: string): ApiError {
  switch (state) {
    case 'completed':
      return apiError('JobCompleted');
    case 'terminating':
      return apiError('JobBeingTerminated');
    case 'deleting':
      return apiError('JobBeingDeleted');
    default:
      return apiError('OperationInvalidForCurrentState', {
        message: `The job is ${state ?? 'in an unknown state'}; ${operation} is not allowed in that state.`,
        values: [{ key: 'Reason', value: `Job state '${state ?? 'unknown'}' does not allow ${operation}.` }],
      });
  }
}

/** Update and patch are refused only once the job is finishing or gone. */
export function assertJobWritable(state: JobState | undefined, operation: string): void {
  if (state === 'completed' || state === 'terminating' || state === 'deleting') {
    throw jobStateConflict(state, operation);
  }
}

/** Adding tasks: refused for completed, terminating and deleting jobs; a disabled job accepts tasks. */
export function assertJobAcceptsTasks(state: JobState | undefined): void {
  assertJobWritable(state, 'adding tasks');
}

const DISABLE_FROM: ReadonlySet<JobState> = new Set(['active', 'disabling', 'disabled']);
// Enabling an active job changes nothing and is accepted, like disabling a disabled one: both converge.
const ENABLE_FROM: ReadonlySet<JobState> = new Set(['disabled', 'disabling', 'enabling', 'active']);
const TERMINATE_FROM: ReadonlySet<JobState> = new Set(['active', 'disabling', 'disabled', 'enabling']);

export function assertCanDisable(state: JobState | undefined): void {
  if (state === undefined || !DISABLE_FROM.has(state)) throw jobStateConflict(state, 'disable');
}

export function assertCanEnable(state: JobState | undefined): void {
  if (state === undefined || !ENABLE_FROM.has(state)) throw jobStateConflict(state, 'enable');
}

export function assertCanTerminate(state: JobState | undefined): void {
  if (state === undefined || !TERMINATE_FROM.has(state)) throw jobStateConflict(state, 'terminate');
}
