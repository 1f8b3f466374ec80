import type { FastifyRequest } from 'fastify';
import {
  evaluateFilter,
  FilterError,
  parseFilter,
  type FilterExpression,
  type FilterSchema,
  type ValidationResult,
} from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { checkConditions, type ConditionKind, type Versioned } from '../http/conditions.js';
import { queryParams } from '../http/request-context.js';

/** Unwraps a protocol validator's result or throws its Batch error. */
export function validated<T>(result: ValidationResult<T>): T {
  if (result.ok) return result.value;
  throw apiError(result.error.code, { message: result.error.message, values: result.error.values });
}

/** The parsed `$filter`, or undefined when absent; invalid filters are 400 InvalidQueryParameterValue. */
export function readFilter(request: FastifyRequest, schema: FilterSchema): FilterExpression | undefined {
  const text = queryParams(request).get('$filter');
  if (text === null || text.trim() === '') return undefined;
  try {
    return parseFilter(text, schema);
  } catch (error) {
    const reason = error instanceof FilterError ? error.reason : (error as Error).message;
    throw apiError('InvalidQueryParameterValue', {
      values: [
        { key: 'QueryParameterName', value: '$filter' },
        { key: 'QueryParameterValue', value: text },
        { key: 'Reason', value: reason },
      ],
    });
  }
}

export function filterMatcher(filter: FilterExpression | undefined): (entity: object) => boolean {
  return filter === undefined ? () => true : (entity) => evaluateFilter(filter, entity);
}

/** Conditional headers checked against the entity inside the store mutation. */
export function conditionCheck(request: FastifyRequest, kind: ConditionKind = 'write') {
  return (entity: Versioned) => checkConditions(request, entity, kind);
}

/** Route parameters of the Batch paths. */
export interface JobParams {
  jobId: string;
}
export interface TaskParams extends JobParams {
  taskId: string;
}
export interface JobScheduleParams {
  jobScheduleId: string;
}
export interface PoolParams {
  poolId: string;
}
export interface NodeParams extends PoolParams {
  nodeId: string;
}
