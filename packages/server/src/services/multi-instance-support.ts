/**
 * What Batchite refuses of a task's `multiInstanceSettings` at add time (the rest runs: gang-placement.ts,
 * gang-runs.ts). Each refusal is a 400 `UnsupportedProperty` naming the property, never a silent substitute:
 * - a multi-instance task in a job with a job preparation task: the preparation would have to run on every
 *   node of the placement before its instance, which Batchite does not do yet.
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
  if (job.entity.jobPreparationTask !== undefined) {
    return unsupported(
      'multiInstanceSettings',
      'Batchite does not run multi-instance tasks in a job that has a job preparation task.',
    );
  }
  return undefined;
}
