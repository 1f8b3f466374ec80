import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchServiceMappers } from '@azure/batch';
import type * as Sdk from '@azure/batch';
import * as P from '../src/index.js';

/** `true` when A and B have the same property names; otherwise the type names the differing keys. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { onlyInOurs: Exclude<keyof A, keyof B>; onlyInSdk: Exclude<keyof B, keyof A> };

// Compile-time: our wire models have exactly the properties of the official SDK's models (api 2022-10-01.16.0).
const sameKeys: [
  SameKeys<P.PoolAddParameter, Sdk.PoolAddParameter>,
  SameKeys<P.CloudPool, Sdk.CloudPool>,
  SameKeys<P.PoolResizeParameter, Sdk.PoolResizeParameter>,
  SameKeys<P.ComputeNode, Sdk.ComputeNode>,
  SameKeys<P.TaskInformation, Sdk.TaskInformation>,
  SameKeys<P.JobAddParameter, Sdk.JobAddParameter>,
  SameKeys<P.JobPatchParameter, Sdk.JobPatchParameter>,
  SameKeys<P.JobUpdateParameter, Sdk.JobUpdateParameter>,
  SameKeys<P.JobDisableParameter, Sdk.JobDisableParameter>,
  SameKeys<P.JobTerminateParameter, Sdk.JobTerminateParameter>,
  SameKeys<P.CloudJob, Sdk.CloudJob>,
  SameKeys<P.JobConstraints, Sdk.JobConstraints>,
  SameKeys<P.JobExecutionInformation, Sdk.JobExecutionInformation>,
  SameKeys<P.PoolInformation, Sdk.PoolInformation>,
  SameKeys<P.TaskAddParameter, Sdk.TaskAddParameter>,
  SameKeys<P.TaskAddCollectionParameter, Sdk.TaskAddCollectionParameter>,
  SameKeys<P.TaskAddResult, Sdk.TaskAddResult>,
  SameKeys<P.TaskAddCollectionResult, Sdk.TaskAddCollectionResult>,
  SameKeys<P.TaskUpdateParameter, Sdk.TaskUpdateParameter>,
  SameKeys<P.CloudTask, Sdk.CloudTask>,
  SameKeys<P.TaskConstraints, Sdk.TaskConstraints>,
  SameKeys<P.TaskExecutionInformation, Sdk.TaskExecutionInformation>,
  SameKeys<P.TaskFailureInformation, Sdk.TaskFailureInformation>,
  SameKeys<P.ExitConditions, Sdk.ExitConditions>,
  SameKeys<P.ExitOptions, Sdk.ExitOptions>,
  SameKeys<P.ExitCodeMapping, Sdk.ExitCodeMapping>,
  SameKeys<P.ExitCodeRangeMapping, Sdk.ExitCodeRangeMapping>,
  SameKeys<P.TaskDependencies, Sdk.TaskDependencies>,
  SameKeys<P.TaskIdRange, Sdk.TaskIdRange>,
  SameKeys<P.ComputeNodeInformation, Sdk.ComputeNodeInformation>,
  SameKeys<P.EnvironmentSetting, Sdk.EnvironmentSetting>,
  SameKeys<P.MetadataItem, Sdk.MetadataItem>,
  SameKeys<P.TaskCounts, Sdk.TaskCounts>,
  SameKeys<P.TaskSlotCounts, Sdk.TaskSlotCounts>,
  SameKeys<P.TaskCountsResult, Sdk.TaskCountsResult>,
  SameKeys<P.NodeFile, Sdk.NodeFile>,
  SameKeys<P.FileProperties, Sdk.FileProperties>,
  SameKeys<P.SubtaskInformation, Sdk.SubtaskInformation>,
  SameKeys<P.StartTask, Sdk.StartTask>,
  SameKeys<P.StartTaskInformation, Sdk.StartTaskInformation>,
  SameKeys<P.VirtualMachineConfiguration, Sdk.VirtualMachineConfiguration>,
  SameKeys<P.ResourceFile, Sdk.ResourceFile>,
  SameKeys<P.OutputFile, Sdk.OutputFile>,
  SameKeys<P.JobManagerTask, Sdk.JobManagerTask>,
  SameKeys<P.AutoPoolSpecification, Sdk.AutoPoolSpecification>,
  SameKeys<P.PoolSpecification, Sdk.PoolSpecification>,
] = [
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
  true,
];

void test('wire models have the SDK property names (checked at compile time)', () => {
  assert.ok(sameKeys.every((same) => same === true));
});

interface EnumMapper {
  type: { name: string; allowedValues?: string[] };
}
interface CompositeMapper {
  type: { modelProperties: Record<string, EnumMapper> };
}

function sdkEnum(model: string, property: string): string[] {
  const mapper = (BatchServiceMappers as unknown as Record<string, CompositeMapper>)[model];
  const values = mapper?.type.modelProperties[property]?.type.allowedValues;
  assert.ok(values, `${model}.${property} has allowed values`);
  return values;
}

void test('enum value lists match the SDK mappers', () => {
  const cases: [readonly string[], string, string][] = [
    [P.POOL_STATES, 'CloudPool', 'state'],
    [P.ALLOCATION_STATES, 'CloudPool', 'allocationState'],
    [P.COMPUTE_NODE_STATES, 'ComputeNode', 'state'],
    [P.SCHEDULING_STATES, 'ComputeNode', 'schedulingState'],
    [P.START_TASK_STATES, 'StartTaskInformation', 'state'],
    [P.JOB_STATES, 'CloudJob', 'state'],
    [P.TASK_STATES, 'CloudTask', 'state'],
    [P.SUBTASK_STATES, 'SubtaskInformation', 'state'],
    [P.TASK_EXECUTION_RESULTS, 'TaskExecutionInformation', 'result'],
    [P.TASK_ADD_STATUSES, 'TaskAddResult', 'status'],
    [P.ON_ALL_TASKS_COMPLETE, 'JobAddParameter', 'onAllTasksComplete'],
    [P.ON_TASK_FAILURE, 'JobAddParameter', 'onTaskFailure'],
    [P.DISABLE_JOB_OPTIONS, 'JobDisableParameter', 'disableTasks'],
    [P.COMPUTE_NODE_DEALLOCATION_OPTIONS, 'PoolResizeParameter', 'nodeDeallocationOption'],
    [P.JOB_ACTIONS, 'ExitOptions', 'jobAction'],
    [P.DEPENDENCY_ACTIONS, 'ExitOptions', 'dependencyAction'],
    [P.ERROR_CATEGORIES, 'TaskFailureInformation', 'category'],
    [P.COMPUTE_NODE_FILL_TYPES, 'TaskSchedulingPolicy', 'nodeFillType'],
    [P.NODE_COMMUNICATION_MODES, 'PoolAddParameter', 'targetNodeCommunicationMode'],
    [P.AUTO_USER_SCOPES, 'AutoUserSpecification', 'scope'],
    [P.ELEVATION_LEVELS, 'AutoUserSpecification', 'elevationLevel'],
    [P.OUTPUT_FILE_UPLOAD_CONDITIONS, 'OutputFileUploadOptions', 'uploadCondition'],
    [P.POOL_LIFETIME_OPTIONS, 'AutoPoolSpecification', 'poolLifetimeOption'],
    [P.CONTAINER_WORKING_DIRECTORIES, 'TaskContainerSettings', 'workingDirectory'],
  ];
  for (const [ours, model, property] of cases) {
    assert.deepEqual([...ours].sort(), sdkEnum(model, property).sort(), `${model}.${property}`);
  }
});

void test('api versions: the SDK default among them, exact matching', () => {
  assert.ok(P.isSupportedApiVersion(P.DEFAULT_API_VERSION));
  assert.equal(P.API_VERSIONS[0], '2018-12-01.8.0');
  assert.equal(P.DEFAULT_API_VERSION, '2022-10-01.16.0');
  assert.equal(P.isSupportedApiVersion('2024-07-01.20.0'), true);
  assert.equal(P.isSupportedApiVersion('2025-06-01'), true);
  assert.equal(P.isSupportedApiVersion('2022-10-01.16'), false);
  assert.equal(P.isSupportedApiVersion('2014-01-01.1.0'), false);
});
