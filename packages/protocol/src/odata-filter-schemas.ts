/**
 * Filterable properties of each list operation, exactly as the Batch docs list them (the Azure Batch REST reference,
 * "odata-filters-in-batch"). Tasks also accept `lastModified` as an alias of the documented `lastModifiedTime`
 * (the task's wire property is `lastModified`).
 */
import {
  ALLOCATION_STATES,
  COMPUTE_NODE_STATES,
  JOB_SCHEDULE_STATES,
  JOB_STATES,
  POOL_STATES,
  START_TASK_STATES,
  TASK_EXECUTION_RESULTS,
  TASK_STATES,
} from './models/enums.js';
import { OS_TYPES, VERIFICATION_TYPES } from './models/account.js';
import type { FilterProperty, FilterSchema } from './odata-filter-types.js';
import { COMPARISON_OPERATORS } from './odata-filter-types.js';

const id: FilterProperty = {
  type: 'string',
  operators: ['startswith', ...COMPARISON_OPERATORS],
  caseInsensitive: true,
};
const time = (path?: string): FilterProperty => ({
  type: 'datetime',
  operators: COMPARISON_OPERATORS,
  ...(path === undefined ? {} : { path }),
});
const stateEq = (values: readonly string[]): FilterProperty => ({ type: 'enum', operators: ['eq'], values });
const result: FilterProperty = { type: 'enum', operators: ['eq', 'ne'], values: TASK_EXECUTION_RESULTS };
const exitCode: FilterProperty = { type: 'int', operators: COMPARISON_OPERATORS };
const flag: FilterProperty = { type: 'bool', operators: ['eq', 'ne'] };

export const TASK_FILTER_SCHEMA: FilterSchema = {
  id,
  state: stateEq(TASK_STATES),
  stateTransitionTime: time(),
  creationTime: time(),
  lastModifiedTime: time('lastModified'),
  lastModified: time(),
  'executionInfo/startTime': time(),
  'executionInfo/endTime': time(),
  'executionInfo/exitCode': exitCode,
  'executionInfo/result': result,
};

export const JOB_FILTER_SCHEMA: FilterSchema = {
  id,
  state: stateEq(JOB_STATES),
  stateTransitionTime: time(),
  creationTime: time(),
  lastModified: time(),
  'executionInfo/startTime': time(),
  'executionInfo/endTime': time(),
  'executionInfo/poolId': { type: 'string', operators: COMPARISON_OPERATORS, caseInsensitive: true },
};

export const JOB_SCHEDULE_FILTER_SCHEMA: FilterSchema = {
  id,
  state: stateEq(JOB_SCHEDULE_STATES),
  stateTransitionTime: time(),
  creationTime: time(),
  lastModified: time(),
  'executionInfo/nextRunTime': time(),
  'executionInfo/endTime': time(),
};

export const POOL_FILTER_SCHEMA: FilterSchema = {
  id,
  state: stateEq(POOL_STATES),
  stateTransitionTime: time(),
  allocationState: stateEq(ALLOCATION_STATES),
  allocationStateTransitionTime: time(),
  creationTime: time(),
  enableAutoScale: flag,
  lastModified: time(),
  vmSize: { type: 'string', operators: COMPARISON_OPERATORS, caseInsensitive: true },
  enableInterNodeCommunication: flag,
};

export const NODE_FILTER_SCHEMA: FilterSchema = {
  state: stateEq(COMPUTE_NODE_STATES),
  stateTransitionTime: time(),
  lastBootTime: time(),
  allocationTime: time(),
  'startTaskInfo/state': stateEq(START_TASK_STATES),
  'startTaskInfo/result': result,
  'startTaskInfo/exitCode': exitCode,
  'startTaskInfo/startTime': time(),
  'startTaskInfo/endTime': time(),
};

/** Task files: only `startswith(name,'…')`; file names are case-sensitive. */
export const FILE_FILTER_SCHEMA: FilterSchema = {
  name: { type: 'string', operators: ['startswith'] },
};

/** Job preparation and release task status items: the node and each execution's state, result and exit code. */
export const JOB_PREP_RELEASE_FILTER_SCHEMA: FilterSchema = {
  nodeId: id,
  poolId: id,
  'jobPreparationTaskExecutionInfo/state': stateEq(START_TASK_STATES),
  'jobPreparationTaskExecutionInfo/result': result,
  'jobPreparationTaskExecutionInfo/exitCode': exitCode,
  'jobReleaseTaskExecutionInfo/state': stateEq(START_TASK_STATES),
  'jobReleaseTaskExecutionInfo/result': result,
  'jobReleaseTaskExecutionInfo/exitCode': exitCode,
};

/** Pool node counts: the pool they count. */
export const POOL_NODE_COUNTS_FILTER_SCHEMA: FilterSchema = {
  poolId: id,
};

/** Pool usage metrics: the pool and the aggregation interval. */
export const POOL_USAGE_METRICS_FILTER_SCHEMA: FilterSchema = {
  poolId: id,
  startTime: time(),
  endTime: time(),
};

/** Supported images: the node agent SKU, the OS family and whether Azure verified the image. */
export const SUPPORTED_IMAGE_FILTER_SCHEMA: FilterSchema = {
  nodeAgentSKUId: {
    type: 'string',
    operators: ['startswith', ...COMPARISON_OPERATORS],
    caseInsensitive: true,
  },
  osType: stateEq(OS_TYPES),
  verificationType: stateEq(VERIFICATION_TYPES),
};

/** Node agent SKUs (api-versions up to 2018-12-01.8.0): the SKU id and its OS family. */
export const NODE_AGENT_SKU_FILTER_SCHEMA: FilterSchema = {
  id: {
    type: 'string',
    operators: ['startswith', ...COMPARISON_OPERATORS],
    caseInsensitive: true,
  },
  osType: stateEq(OS_TYPES),
};
