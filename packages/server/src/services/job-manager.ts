/**
 * A job's manager task (Azure Batch `JobManagerTask`): stored as a task of the job in the same transaction as
 * the job, scheduled before the job's other tasks (job-manager-scheduling.ts), and — with
 * `killJobOnCompletion` (default true) — ending the job with terminateReason `JMComplete` when it completes.
 * It is an ordinary task of the job otherwise: listed with them, counted by `onAllTasksComplete` and the task
 * counts, retried by its `constraints.maxTaskRetryCount`.
 */
import type { JobManagerTask } from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { terminateJobFor } from './jobs-service.js';
import type { ServiceContext } from './service-context.js';
import { taskConstraints } from './tasks-service.js';
import { checkUserNames } from './user-identity.js';
import { refuseAutoStorage } from './resource-file-orders.js';
import { refuseOutputFiles } from './unsupported-properties.js';

/** Properties of a job manager task Batchite cannot honour yet: refused, never ignored. */
const UNSUPPORTED = ['applicationPackageReferences', 'containerSettings'] as const;

function refuseUnsupported(manager: JobManagerTask): void {
  for (const property of UNSUPPORTED) {
    const value = manager[property];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    throw apiError('UnsupportedProperty', {
      values: propertyValues(
        `jobManagerTask.${property}`,
        undefined,
        `Batchite does not support ${property} on a job manager task yet.`,
      ),
    });
  }
  const outputError = refuseOutputFiles(manager.outputFiles, 'jobManagerTask.');
  if (outputError !== undefined) throw outputError;
}

/** The manager as the job stores and returns it: the Batch defaults filled in. */
export function withJobManagerDefaults(manager: JobManagerTask): JobManagerTask {
  refuseUnsupported(manager);
  return {
    ...manager,
    requiredSlots: manager.requiredSlots ?? 1,
    killJobOnCompletion: manager.killJobOnCompletion ?? true,
    runExclusive: manager.runExclusive ?? true,
    allowLowPriorityNode: manager.allowLowPriorityNode ?? true,
  };
}

/** The task a job with a manager starts with (none without one); 400 for an unknown userIdentity.userName. */
export async function jobManagerTasks(context: ServiceContext, job: JobDoc, now: string): Promise<TaskDoc[]> {
  const manager = job.entity.jobManagerTask;
  if (manager === undefined) return [];
  const { killJobOnCompletion: _k, runExclusive, allowLowPriorityNode: _l, ...fields } = manager;
  const [userError] = await checkUserNames(context, job, [fields]);
  if (userError !== undefined) throw prefixed(userError);
  const storageError = refuseAutoStorage(context.storage, fields.resourceFiles);
  if (storageError !== undefined) throw storageError;
  const entity = {
    ...fields,
    creationTime: now,
    state: 'active' as const,
    stateTransitionTime: now,
    constraints: taskConstraints(job, manager.constraints),
    requiredSlots: manager.requiredSlots ?? 1,
    executionInfo: { retryCount: 0, requeueCount: 0 },
  };
  const internal = { jobManager: true, ...(runExclusive === false ? {} : { exclusive: true }) };
  return [{ jobId: job.entity.id, entity, internal }];
}

/** The user-identity 400 names the manager's property. */
function prefixed(error: ApiError): ApiError {
  return apiError('InvalidPropertyValue', {
    values: error.values.map((detail) =>
      detail.key === 'PropertyName' ? { ...detail, value: `jobManagerTask.${detail.value}` } : detail,
    ),
  });
}

/** After a task completed: a job manager with killJobOnCompletion ends its job (terminateReason JMComplete). */
export async function afterJobManagerCompleted(context: ServiceContext, task: TaskDoc): Promise<void> {
  if (task.internal.jobManager !== true || task.entity.state !== 'completed') return;
  const job = await context.store.getJob(task.jobId);
  if (job?.entity.jobManagerTask?.killJobOnCompletion === false) return;
  await terminateJobFor(context, task.jobId, 'JMComplete');
}
