import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  validateJobAdd,
  validateJobDisable,
  validateJobPatch,
  validateJobTerminate,
  validateJobUpdate,
  validatePoolAdd,
  validatePoolResize,
  validateTaskAdd,
  validateTaskAddCollection,
  validateTaskUpdate,
  type ValidationResult,
} from '../src/index.js';

function ok<T>(result: ValidationResult<T>): T {
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Asserts an error and returns its values as a key → value map. */
function err<T>(result: ValidationResult<T>, code: string): Record<string, string> {
  if (result.ok) assert.fail(`expected ${code}, got ok: ${JSON.stringify(result.value).slice(0, 300)}`);
  assert.equal(result.error.code, code, JSON.stringify(result.error));
  assert.ok(result.error.message.length > 0);
  return Object.fromEntries(result.error.values.map(({ key, value }) => [key, value]));
}

function invalid<T>(result: ValidationResult<T>, property: string): Record<string, string> {
  const values = err(result, 'InvalidPropertyValue');
  assert.equal(values.PropertyName, property);
  assert.ok(values.Reason, 'has a Reason');
  assert.ok('PropertyValue' in values);
  return values;
}

const job = { id: 'job1', poolInfo: { poolId: 'pool1' } };

void test('body that is not a JSON object → InvalidRequestBody', () => {
  for (const body of [undefined, null, [], 'x', 5, true]) {
    err(validateJobAdd(body), 'InvalidRequestBody');
    err(validateTaskAdd(body), 'InvalidRequestBody');
  }
});

void test('job add: minimal body, normalisation, unknown properties dropped', () => {
  const value = ok(
    validateJobAdd({
      ...job,
      onAllTasksComplete: 'TerminateJob',
      onTaskFailure: 'PerformExitOptionsJobAction',
      constraints: { maxWallClockTime: 'PT60M', maxTaskRetryCount: -1 },
      displayName: null,
      someFutureField: { a: 1 },
      metadata: [{ name: 'k', value: 'v' }],
      commonEnvironmentSettings: [{ name: 'A' }],
    }),
  );
  assert.deepEqual(value, {
    id: 'job1',
    poolInfo: { poolId: 'pool1' },
    onAllTasksComplete: 'terminatejob',
    onTaskFailure: 'performexitoptionsjobaction',
    constraints: { maxWallClockTime: 'PT1H', maxTaskRetryCount: -1 },
    metadata: [{ name: 'k', value: 'v' }],
    commonEnvironmentSettings: [{ name: 'A' }],
  });
});

void test('job add: required properties', () => {
  assert.equal(
    err(validateJobAdd({ poolInfo: { poolId: 'p' } }), 'MissingRequiredProperty').PropertyName,
    'id',
  );
  assert.equal(err(validateJobAdd({ id: 'j' }), 'MissingRequiredProperty').PropertyName, 'poolInfo');
  assert.equal(
    err(validateJobAdd({ id: 'j', poolInfo: {} }), 'MissingRequiredProperty').PropertyName,
    'poolInfo.poolId',
  );
  invalid(
    validateJobAdd({
      id: 'j',
      poolInfo: { poolId: 'p', autoPoolSpecification: { poolLifetimeOption: 'job' } },
    }),
    'poolInfo',
  );
  assert.equal(
    err(validateJobAdd({ id: 'j', poolInfo: { autoPoolSpecification: {} } }), 'MissingRequiredProperty')
      .PropertyName,
    'poolInfo.autoPoolSpecification.poolLifetimeOption',
  );
  ok(
    validateJobAdd({
      id: 'j',
      poolInfo: { autoPoolSpecification: { poolLifetimeOption: 'Job', pool: { vmSize: 'x' } } },
    }),
  );
});

void test('job add: invalid values name the property, the value and the reason', () => {
  const values = invalid(validateJobAdd({ ...job, priority: 1001 }), 'priority');
  assert.equal(values.PropertyValue, '1001');
  assert.match(values.Reason!, /-1000 and 1000/);
  ok(validateJobAdd({ ...job, priority: -1000 }));
  invalid(validateJobAdd({ ...job, priority: '5' }), 'priority');
  invalid(validateJobAdd({ ...job, priority: 1.5 }), 'priority');
  invalid(validateJobAdd({ ...job, maxParallelTasks: 0 }), 'maxParallelTasks');
  invalid(validateJobAdd({ ...job, maxParallelTasks: -2 }), 'maxParallelTasks');
  assert.equal(ok(validateJobAdd({ ...job, maxParallelTasks: -1 })).maxParallelTasks, -1);
  invalid(
    validateJobAdd({ ...job, constraints: { maxTaskRetryCount: -2 } }),
    'constraints.maxTaskRetryCount',
  );
  invalid(
    validateJobAdd({ ...job, constraints: { maxWallClockTime: '1 hour' } }),
    'constraints.maxWallClockTime',
  );
  invalid(validateJobAdd({ ...job, onAllTasksComplete: 'sometimes' }), 'onAllTasksComplete');
  invalid(validateJobAdd({ ...job, usesTaskDependencies: 'true' }), 'usesTaskDependencies');
  const idValues = invalid(validateJobAdd({ ...job, id: 'my job' }), 'id');
  assert.equal(idValues.PropertyValue, 'my job');
  assert.match(idValues.Reason!, /alphanumeric/);
  invalid(validateJobAdd({ ...job, id: 'x'.repeat(65) }), 'id');
  invalid(validateJobAdd({ ...job, metadata: [{ name: 'a', value: 1 }] }), 'metadata[0].value');
  invalid(validateJobAdd({ ...job, constraints: [] }), 'constraints');
  assert.equal(invalid(validateJobAdd({ ...job, poolInfo: 'pool1' }), 'poolInfo').PropertyValue, 'pool1');
});

void test('job patch: everything optional; update requires poolInfo', () => {
  assert.deepEqual(ok(validateJobPatch({})), {});
  assert.deepEqual(ok(validateJobPatch({ onAllTasksComplete: 'TERMINATEJOB', priority: 5 })), {
    onAllTasksComplete: 'terminatejob',
    priority: 5,
  });
  invalid(validateJobPatch({ priority: -1001 }), 'priority');
  assert.equal(err(validateJobUpdate({ priority: 1 }), 'MissingRequiredProperty').PropertyName, 'poolInfo');
  assert.deepEqual(ok(validateJobUpdate({ poolInfo: { poolId: 'p' }, id: 'ignored' })), {
    poolInfo: { poolId: 'p' },
  });
});

void test('job disable and terminate', () => {
  assert.deepEqual(ok(validateJobDisable({ disableTasks: 'Requeue' })), { disableTasks: 'requeue' });
  assert.equal(err(validateJobDisable({}), 'MissingRequiredProperty').PropertyName, 'disableTasks');
  invalid(validateJobDisable({ disableTasks: 'later' }), 'disableTasks');
  assert.deepEqual(ok(validateJobTerminate(undefined)), {});
  assert.deepEqual(ok(validateJobTerminate(null)), {});
  assert.deepEqual(ok(validateJobTerminate({ terminateReason: 'Done' })), { terminateReason: 'Done' });
  invalid(validateJobTerminate({ terminateReason: 5 }), 'terminateReason');
  err(validateJobTerminate([]), 'InvalidRequestBody');
});

const pool = { id: 'pool1', vmSize: 'standard_d2s_v3' };

void test('pool add', () => {
  assert.deepEqual(ok(validatePoolAdd(pool)), pool);
  const value = ok(
    validatePoolAdd({
      ...pool,
      resizeTimeout: 'PT300S',
      taskSlotsPerNode: 256,
      taskSchedulingPolicy: { nodeFillType: 'Pack' },
      virtualMachineConfiguration: {
        imageReference: { publisher: 'canonical' },
        nodeAgentSKUId: 'batch.node.ubuntu 22.04',
        osDisk: { x: 1 },
      },
    }),
  );
  assert.equal(value.resizeTimeout, 'PT5M');
  assert.deepEqual(value.taskSchedulingPolicy, { nodeFillType: 'pack' });
  assert.deepEqual(value.virtualMachineConfiguration?.osDisk, { x: 1 }, 'open objects keep extra properties');
  assert.equal(err(validatePoolAdd({ id: 'p' }), 'MissingRequiredProperty').PropertyName, 'vmSize');
  invalid(validatePoolAdd({ ...pool, resizeTimeout: 'PT4M59S' }), 'resizeTimeout');
  invalid(validatePoolAdd({ ...pool, taskSlotsPerNode: 0 }), 'taskSlotsPerNode');
  invalid(validatePoolAdd({ ...pool, taskSlotsPerNode: 257 }), 'taskSlotsPerNode');
  invalid(validatePoolAdd({ ...pool, targetDedicatedNodes: -1 }), 'targetDedicatedNodes');
  invalid(validatePoolAdd({ ...pool, id: 'a/b' }), 'id');
  assert.equal(
    err(
      validatePoolAdd({ ...pool, virtualMachineConfiguration: { imageReference: {} } }),
      'MissingRequiredProperty',
    ).PropertyName,
    'virtualMachineConfiguration.nodeAgentSKUId',
  );
  invalid(
    validatePoolAdd({ ...pool, startTask: { commandLine: 'x', maxTaskRetryCount: -5 } }),
    'startTask.maxTaskRetryCount',
  );
});

void test('pool resize', () => {
  assert.deepEqual(
    ok(validatePoolResize({ targetDedicatedNodes: 2, nodeDeallocationOption: 'TaskCompletion' })),
    {
      targetDedicatedNodes: 2,
      nodeDeallocationOption: 'taskcompletion',
    },
  );
  invalid(validatePoolResize({ resizeTimeout: 'PT1M' }), 'resizeTimeout');
  invalid(validatePoolResize({ targetLowPriorityNodes: -3 }), 'targetLowPriorityNodes');
  invalid(validatePoolResize({ nodeDeallocationOption: 'drop' }), 'nodeDeallocationOption');
});

const task = { id: 'task1', commandLine: '/bin/sh -c "exit 0"' };

void test('task add: normalisation', () => {
  const value = ok(
    validateTaskAdd({
      ...task,
      constraints: {
        retentionTime: 'P7D',
        maxTaskRetryCount: 2,
        maxWallClockTime: 'P10675199DT2H48M5.4775807S',
      },
      exitConditions: {
        exitCodes: [{ code: 3, exitOptions: { jobAction: 'Terminate' } }],
        exitCodeRanges: [{ start: 10, end: 20, exitOptions: { dependencyAction: 'SATISFY' } }],
        default: { jobAction: 'none' },
      },
      dependsOn: { taskIds: ['a', 'b'], taskIdRanges: [{ start: 1, end: 1 }] },
      containerSettings: {
        imageName: 'ubuntu',
        workingDirectory: 'TASKWORKINGDIRECTORY',
        containerRunOptions: '--rm',
      },
      userIdentity: { autoUser: { scope: 'Pool', elevationLevel: 'Admin' } },
      requiredSlots: 2,
    }),
  );
  assert.deepEqual(value.exitConditions?.exitCodes, [{ code: 3, exitOptions: { jobAction: 'terminate' } }]);
  assert.equal(value.exitConditions?.exitCodeRanges?.[0]?.exitOptions.dependencyAction, 'satisfy');
  assert.equal(value.constraints?.maxWallClockTime, 'P10675199DT2H48M5.4775807S');
  assert.equal(value.containerSettings?.workingDirectory, 'taskWorkingDirectory');
  assert.equal(value.containerSettings?.containerRunOptions, '--rm');
  assert.deepEqual(value.userIdentity, { autoUser: { scope: 'pool', elevationLevel: 'admin' } });
});

void test('task add: errors', () => {
  assert.equal(err(validateTaskAdd({ id: 't' }), 'MissingRequiredProperty').PropertyName, 'commandLine');
  assert.equal(err(validateTaskAdd({ commandLine: 'x' }), 'MissingRequiredProperty').PropertyName, 'id');
  invalid(validateTaskAdd({ ...task, commandLine: '' }), 'commandLine');
  invalid(validateTaskAdd({ ...task, requiredSlots: 0 }), 'requiredSlots');
  invalid(
    validateTaskAdd({ ...task, exitConditions: { exitCodes: [{ code: 1.5, exitOptions: {} }] } }),
    'exitConditions.exitCodes[0].code',
  );
  assert.equal(
    err(validateTaskAdd({ ...task, exitConditions: { exitCodes: [{ code: 1 }] } }), 'MissingRequiredProperty')
      .PropertyName,
    'exitConditions.exitCodes[0].exitOptions',
  );
  invalid(
    validateTaskAdd({ ...task, exitConditions: { exitCodeRanges: [{ start: 5, end: 4, exitOptions: {} }] } }),
    'exitConditions.exitCodeRanges[0].end',
  );
  invalid(
    validateTaskAdd({ ...task, exitConditions: { default: { jobAction: 'explode' } } }),
    'exitConditions.default.jobAction',
  );
  const range = invalid(
    validateTaskAdd({
      ...task,
      dependsOn: {
        taskIdRanges: [
          { start: 1, end: 2 },
          { start: 9, end: 3 },
        ],
      },
    }),
    'dependsOn.taskIdRanges[1].end',
  );
  assert.equal(range.PropertyValue, '3');
  invalid(
    validateTaskAdd({ ...task, dependsOn: { taskIdRanges: [{ start: -1, end: 3 }] } }),
    'dependsOn.taskIdRanges[0].start',
  );
  invalid(validateTaskAdd({ ...task, dependsOn: { taskIds: ['ok', 'not ok'] } }), 'dependsOn.taskIds[1]');
  invalid(validateTaskAdd({ ...task, dependsOn: { taskIds: 'a' } }), 'dependsOn.taskIds');
  invalid(validateTaskAdd({ ...task, constraints: { retentionTime: 'P1X' } }), 'constraints.retentionTime');
  invalid(validateTaskAdd({ ...task, environmentSettings: [{ name: '' }] }), 'environmentSettings[0].name');
  assert.equal(
    err(validateTaskAdd({ ...task, environmentSettings: [null] }), 'MissingRequiredProperty').PropertyName,
    'environmentSettings[0]',
  );
});

void test('task add: a multi-instance task takes one slot', () => {
  const multiInstanceSettings = { numberOfInstances: 3, coordinationCommandLine: 'x' };
  const values = invalid(
    validateTaskAdd({ ...task, requiredSlots: 2, multiInstanceSettings }),
    'requiredSlots',
  );
  assert.equal(values.PropertyValue, '2');
  ok(validateTaskAdd({ ...task, requiredSlots: 1, multiInstanceSettings }));
  ok(validateTaskAdd({ ...task, requiredSlots: 2 }));
  invalid(
    validateTaskAddCollection({
      value: [task, { ...task, id: 't2', requiredSlots: 4, multiInstanceSettings }],
    }),
    'value[1].requiredSlots',
  );
});

void test('task add: dependency list length limit', () => {
  const ids = Array.from({ length: 1001 }, (_, i) => `task-${String(i).padStart(59, '0')}`);
  const values = err(validateTaskAdd({ ...task, dependsOn: { taskIds: ids } }), 'TaskDependencyListTooLong');
  assert.equal(values.PropertyName, 'dependsOn.taskIds');
  ok(validateTaskAdd({ ...task, dependsOn: { taskIds: ids.slice(0, 1000) } }));
});

void test('task update', () => {
  assert.deepEqual(ok(validateTaskUpdate({})), {});
  assert.deepEqual(
    ok(validateTaskUpdate({ constraints: { maxTaskRetryCount: 3, retentionTime: 'PT24H' } })),
    {
      constraints: { maxTaskRetryCount: 3, retentionTime: 'P1D' },
    },
  );
  invalid(
    validateTaskUpdate({ constraints: { maxTaskRetryCount: 'many' } }),
    'constraints.maxTaskRetryCount',
  );
});

void test('task add collection', () => {
  const value = ok(
    validateTaskAddCollection({ value: [task, { id: 't2', commandLine: 'x', requiredSlots: 1 }] }),
  );
  assert.equal(value.value.length, 2);
  assert.equal(err(validateTaskAddCollection({}), 'MissingRequiredProperty').PropertyName, 'value');
  invalid(validateTaskAddCollection({ value: [task, { id: 'bad id', commandLine: 'x' }] }), 'value[1].id');
  const tooMany = Array.from({ length: 101 }, (_, i) => ({ id: `t${i}`, commandLine: 'x' }));
  assert.match(
    err(validateTaskAddCollection({ value: tooMany }), 'RequestBodyTooLarge').Reason!,
    /101 tasks/,
  );
  ok(validateTaskAddCollection({ value: tooMany.slice(0, 100) }));
});
