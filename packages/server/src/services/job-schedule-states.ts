/**
 * The job schedule state machine (Azure Batch REST reference, Job Schedule operations):
 *
 *   active ──disable──► disabled ──enable──► active
 *   active | disabled ──terminate──► terminating ──(its current job completed)──► completed
 *   active ──(no run left: doNotRunAfter passed or no recurrence, and its job completed)──► completed
 *   any ──delete──► deleting ──(its jobs deleted)──► gone
 *
 * A schedule creates jobs only while active, and at most one of its jobs is active at a time.
 */
import type { JobScheduleState } from '@batchite/protocol';
import { apiError, type ApiError } from '../http/api-error.js';

export function scheduleStateConflict(state: JobScheduleState | undefined, operation: string): ApiError {
  switch (state) {
    case 'completed':
      return apiError('JobScheduleCompleted');
    case 'terminating':
      return apiError('JobScheduleBeingTerminated');
    case 'deleting':
      return apiError('JobScheduleBeingDeleted');
    default:
      return apiError('OperationInvalidForCurrentState', {
        message: `The job schedule is ${state ?? 'in an unknown state'}; ${operation} is not allowed in that state.`,
        values: [
          { key: 'Reason', value: `Job schedule state '${state ?? 'unknown'}' does not allow ${operation}.` },
        ],
      });
  }
}

/** Patch, update, disable, enable and terminate need a schedule that is still running its course. */
export function assertScheduleLive(state: JobScheduleState | undefined, operation: string): void {
  if (state !== 'active' && state !== 'disabled') throw scheduleStateConflict(state, operation);
}
