/**
 * What Batchite refuses of a task's `multiInstanceSettings` at add time (the rest runs: gang-placement.ts,
 * gang-runs.ts). Each refusal is a 400 `UnsupportedProperty` naming the property, never a silent substitute:
 * - `outputFiles` of a multi-instance task: Batch uploads the primary's; gang runs do not upload yet;
 * - a multi-instance task in a job with a job preparation task: the preparation would have to run on every
 *   node of the placement before its instance, which Batchite does not do yet. The preparation is tied to one
 *   node's claim (its `preparing` task moves on with that node's report, job-task-service.ts), while a
 *   placement spans n nodes under one lease: it would need a barrier over n preparations, and a failure on
 *   one node would have to release the whole placement and keep that node out of the job's later placements.
 */
import type { TaskAddParameter } from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';
import type { JobDoc } from '../store/documents.js';

function unsupported(name: string, reason: string): ApiError {
  return apiError('UnsupportedProperty', { values: propertyValues(name, undefined, reason) });
}

/** The refusal for a task's multi-instance settings, or undefined when they can run (or it has none). */
export function refuseMultiInstance(param: TaskAddParameter, job: JobDoc): ApiError | undefined {
  const settings = param.multiInstanceSettings;
  if (settings === undefined) return undefined;
  if ((param.outputFiles ?? []).length > 0) {
    return unsupported(
      'outputFiles',
      'Batchite does not upload output files of multi-instance tasks (Batch uploads those of the primary).',
    );
  }
  if (job.entity.jobPreparationTask !== undefined) {
    return unsupported(
      'multiInstanceSettings',
      'Batchite does not run multi-instance tasks in a job that has a job preparation task.',
    );
  }
  return undefined;
}
