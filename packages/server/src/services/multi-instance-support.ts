/**
 * What Batchite does with a task's `multiInstanceSettings` today: it refuses them with 400 `UnsupportedProperty`
 * naming the property. Batch reserves `numberOfInstances` nodes together, runs the coordination command on all of
 * them and the application command on the primary; until Batchite does that for real, accepting the task would
 * run it once as an ordinary task — a silent substitute. Common resource files get their own name in the
 * refusal, because Batchite downloads no resource files yet.
 */
import type { TaskAddParameter } from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';

function unsupported(name: string, reason: string): ApiError {
  return apiError('UnsupportedProperty', { values: propertyValues(name, undefined, reason) });
}

/** The refusal for a task's multi-instance settings, or undefined when it has none. */
export function refuseMultiInstance(param: TaskAddParameter): ApiError | undefined {
  const settings = param.multiInstanceSettings;
  if (settings === undefined) return undefined;
  if ((settings.commonResourceFiles ?? []).length > 0) {
    return unsupported(
      'multiInstanceSettings.commonResourceFiles',
      'Batchite does not download resource files to nodes.',
    );
  }
  return unsupported(
    'multiInstanceSettings',
    'Batchite does not run multi-instance tasks: it cannot reserve several nodes for one task yet.',
  );
}
