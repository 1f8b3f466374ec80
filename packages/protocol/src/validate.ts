/**
 * Request-body validators used by the server. Each returns the normalised body (enums lower-cased, durations in
 * canonical form, unknown properties dropped) or the Batch error to send (400 `InvalidRequestBody`,
 * `MissingRequiredProperty`, `InvalidPropertyValue`, `TaskDependencyListTooLong`,
 * `TaskDependencyRangesTooLong`, 413 `RequestBodyTooLarge`).
 */
import { ERROR_CATALOG } from './errors.js';
import type {
  JobAddParameter,
  JobDisableParameter,
  JobPatchParameter,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
  JobTerminateParameter,
  JobUpdateParameter,
  NodeRebootParameter,
  NodeReimageParameter,
  NodeRemoveParameter,
  PoolAddParameter,
  PoolPatchParameter,
  PoolUpdatePropertiesParameter,
  PoolResizeParameter,
  TaskAddCollectionParameter,
  TaskAddParameter,
  TaskUpdateParameter,
} from './models/index.js';
import {
  JOB_ADD_FIELDS,
  JOB_DISABLE_FIELDS,
  JOB_PATCH_FIELDS,
  JOB_TERMINATE_FIELDS,
  JOB_UPDATE_FIELDS,
  MAX_TASKS_PER_COLLECTION,
  POOL_ADD_FIELDS,
  POOL_RESIZE_FIELDS,
  TASK_ADD_COLLECTION_FIELDS,
  TASK_ADD_FIELDS,
  TASK_UPDATE_FIELDS,
  taskAddCheck,
} from './validators/bodies.js';
import {
  NODE_REMOVE_FIELDS,
  POOL_PATCH_FIELDS,
  POOL_UPDATE_PROPERTIES_FIELDS,
} from './validators/pool-update-bodies.js';
import {
  JOB_SCHEDULE_ADD_FIELDS,
  JOB_SCHEDULE_PATCH_FIELDS,
  JOB_SCHEDULE_UPDATE_FIELDS,
} from './validators/job-schedule-bodies.js';
import { NODE_REBOOT_FIELDS, NODE_REIMAGE_FIELDS } from './validators/node-operation-bodies.js';
import { isPlainObject, validateBody } from './validators/schema.js';
import type { ValidationResult } from './validators/schema.js';

export type { ValidationError, ValidationResult } from './validators/schema.js';
export {
  MAX_DEPENDENCY_ID_CHARS,
  MAX_DEPENDENCY_RANGE_CHARS,
  MAX_TASKS_PER_COLLECTION,
} from './validators/bodies.js';
export { MAX_NODES_PER_REMOVE } from './validators/pool-update-bodies.js';

export function validateJobAdd(body: unknown): ValidationResult<JobAddParameter> {
  return validateBody(JOB_ADD_FIELDS, body);
}

export function validateJobPatch(body: unknown): ValidationResult<JobPatchParameter> {
  return validateBody(JOB_PATCH_FIELDS, body);
}

export function validateJobUpdate(body: unknown): ValidationResult<JobUpdateParameter> {
  return validateBody(JOB_UPDATE_FIELDS, body);
}

export function validateJobDisable(body: unknown): ValidationResult<JobDisableParameter> {
  return validateBody(JOB_DISABLE_FIELDS, body);
}

/** The body is optional (10.x sends none without a reason): undefined, null or '' mean `{}`. */
export function validateJobTerminate(body: unknown): ValidationResult<JobTerminateParameter> {
  if (body === undefined || body === null || body === '') return { ok: true, value: {} };
  return validateBody(JOB_TERMINATE_FIELDS, body);
}

export function validateJobScheduleAdd(body: unknown): ValidationResult<JobScheduleAddParameter> {
  return validateBody(JOB_SCHEDULE_ADD_FIELDS, body);
}

export function validateJobSchedulePatch(body: unknown): ValidationResult<JobSchedulePatchParameter> {
  return validateBody(JOB_SCHEDULE_PATCH_FIELDS, body);
}

export function validateJobScheduleUpdate(body: unknown): ValidationResult<JobScheduleUpdateParameter> {
  return validateBody(JOB_SCHEDULE_UPDATE_FIELDS, body);
}

export function validatePoolAdd(body: unknown): ValidationResult<PoolAddParameter> {
  return validateBody(POOL_ADD_FIELDS, body);
}

export function validatePoolResize(body: unknown): ValidationResult<PoolResizeParameter> {
  return validateBody(POOL_RESIZE_FIELDS, body);
}

export function validatePoolPatch(body: unknown): ValidationResult<PoolPatchParameter> {
  return validateBody(POOL_PATCH_FIELDS, body);
}

export function validatePoolUpdateProperties(body: unknown): ValidationResult<PoolUpdatePropertiesParameter> {
  return validateBody(POOL_UPDATE_PROPERTIES_FIELDS, body);
}

export function validateNodeRemove(body: unknown): ValidationResult<NodeRemoveParameter> {
  return validateBody(NODE_REMOVE_FIELDS, body);
}

/** The body is optional: absent means `requeue`. */
export function validateNodeReboot(body: unknown): ValidationResult<NodeRebootParameter> {
  return validateBody(NODE_REBOOT_FIELDS, body ?? {});
}

export function validateNodeReimage(body: unknown): ValidationResult<NodeReimageParameter> {
  return validateBody(NODE_REIMAGE_FIELDS, body ?? {});
}

export function validateTaskAdd(body: unknown): ValidationResult<TaskAddParameter> {
  return validateBody(TASK_ADD_FIELDS, body, taskAddCheck);
}

export function validateTaskUpdate(body: unknown): ValidationResult<TaskUpdateParameter> {
  return validateBody(TASK_UPDATE_FIELDS, body);
}

/**
 * Validates a whole addtaskcollection body; any invalid task fails the request (paths like `value[3].id`).
 * More than 100 tasks → 413 `RequestBodyTooLarge` (the real service's code for this is undocumented; 413 lets
 * splitting clients such as the Python SDK halve the chunk and resend).
 */
export function validateTaskAddCollection(body: unknown): ValidationResult<TaskAddCollectionParameter> {
  if (isPlainObject(body) && Array.isArray(body.value) && body.value.length > MAX_TASKS_PER_COLLECTION) {
    return {
      ok: false,
      error: {
        code: 'RequestBodyTooLarge',
        message: ERROR_CATALOG.RequestBodyTooLarge.message,
        values: [
          {
            key: 'Reason',
            value: `The request has ${body.value.length} tasks; at most ${MAX_TASKS_PER_COLLECTION} can be added in one request.`,
          },
        ],
      },
    };
  }
  return validateBody(TASK_ADD_COLLECTION_FIELDS, body);
}
export { invalidProperty, missingProperty } from './validators/schema.js';
