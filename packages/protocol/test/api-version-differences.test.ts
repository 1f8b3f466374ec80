import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  API_VERSIONS,
  apiVersionAtLeast,
  entityForVersion,
  isSupportedApiVersion,
  requestBodyFromVersion,
} from '../src/index.js';

const OLDEST = '2018-12-01.8.0';
const BEFORE_SLOTS = '2020-03-01.11.0';
const SLOTS = '2020-09-01.12.0';
const V14 = '2021-06-01.14.0';
const V15 = '2022-01-01.15.0';
const V16 = '2022-10-01.16.0';
const NEWEST = '2025-06-01';

void test('every version Azure serves, oldest first, from 2018-12-01.8.0; never a .13.0', () => {
  assert.equal(API_VERSIONS[0], OLDEST);
  assert.equal(API_VERSIONS.at(-1), NEWEST);
  assert.equal(API_VERSIONS.length, 13);
  assert.ok(!API_VERSIONS.some((v) => v.endsWith('.13.0')));
  for (const v of ['2018-08-01.7.0', '2020-09-01.13.0', '2022-10-01', ''])
    assert.ok(!isSupportedApiVersion(v));
  const dates = API_VERSIONS.map((v) => v.slice(0, 10));
  assert.deepEqual([...dates].sort(), dates, 'release order');
});

void test('apiVersionAtLeast follows release order', () => {
  assert.ok(apiVersionAtLeast(SLOTS, SLOTS));
  assert.ok(apiVersionAtLeast(NEWEST, OLDEST));
  assert.ok(!apiVersionAtLeast(BEFORE_SLOTS, SLOTS));
  assert.ok(!apiVersionAtLeast(V16, '2024-07-01.20.0'));
});

void test('maxTasksPerNode (before 2020-09-01.12.0) is read as taskSlotsPerNode, at any depth', () => {
  const pool = { id: 'p', vmSize: 'small', maxTasksPerNode: 4 };
  assert.deepEqual(requestBodyFromVersion(pool, OLDEST), { id: 'p', vmSize: 'small', taskSlotsPerNode: 4 });
  const job = { id: 'j', poolInfo: { autoPoolSpecification: { pool: { vmSize: 's', maxTasksPerNode: 2 } } } };
  assert.deepEqual(requestBodyFromVersion(job, BEFORE_SLOTS), {
    id: 'j',
    poolInfo: { autoPoolSpecification: { pool: { vmSize: 's', taskSlotsPerNode: 2 } } },
  });
  // From 12.0 on the old name is no property of the model: left alone (and dropped by the validators).
  assert.deepEqual(requestBodyFromVersion(pool, SLOTS), pool);
  assert.equal(requestBodyFromVersion(undefined, OLDEST), undefined);
  assert.deepEqual(requestBodyFromVersion([pool], OLDEST), [
    { id: 'p', vmSize: 'small', taskSlotsPerNode: 4 },
  ]);
});

void test('a pool answers maxTasksPerNode before 12.0 and has no communication modes before 16.0', () => {
  const pool = {
    id: 'p',
    taskSlotsPerNode: 3,
    targetNodeCommunicationMode: 'default',
    currentNodeCommunicationMode: 'simplified',
  };
  assert.deepEqual(entityForVersion('pools', pool, OLDEST), { id: 'p', maxTasksPerNode: 3 });
  assert.deepEqual(entityForVersion('pools', pool, V15), { id: 'p', taskSlotsPerNode: 3 });
  assert.deepEqual(entityForVersion('pools', pool, V16), pool);
  assert.deepEqual(entityForVersion('pools', pool, NEWEST), pool);
});

void test('task counts are the bare counts before 12.0, with slot counts from then on', () => {
  const counts = { active: 1, running: 2, completed: 3, succeeded: 2, failed: 1 };
  const result = { taskCounts: counts, taskSlotCounts: { ...counts, running: 4 } };
  assert.deepEqual(entityForVersion('taskcounts', result, BEFORE_SLOTS), counts);
  assert.deepEqual(entityForVersion('taskcounts', result, SLOTS), result);
});

void test('a task has requiredSlots from 12.0; a node its slot count from 12.0 and VM info from 14.0', () => {
  const task = { id: 't', requiredSlots: 2, commandLine: 'x' };
  assert.deepEqual(entityForVersion('tasks', task, OLDEST), { id: 't', commandLine: 'x' });
  assert.deepEqual(entityForVersion('tasks', task, SLOTS), task);
  const node = { id: 'n', runningTaskSlotsCount: 2, virtualMachineInfo: { imageReference: {} } };
  assert.deepEqual(entityForVersion('nodes', node, BEFORE_SLOTS), { id: 'n' });
  assert.deepEqual(entityForVersion('nodes', node, SLOTS), { id: 'n', runningTaskSlotsCount: 2 });
  assert.deepEqual(entityForVersion('nodes', node, V14), node);
});

void test('jobs and job schedules: maxParallelTasks from 14.0, allowTaskPreemption from 15.0, nested too', () => {
  const spec = {
    maxParallelTasks: 4,
    allowTaskPreemption: false,
    jobManagerTask: { id: 'm', requiredSlots: 1 },
    poolInfo: {
      autoPoolSpecification: { pool: { taskSlotsPerNode: 2, targetNodeCommunicationMode: 'default' } },
    },
  };
  const job = { id: 'j', ...spec };
  assert.deepEqual(entityForVersion('jobs', job, OLDEST), {
    id: 'j',
    jobManagerTask: { id: 'm' },
    poolInfo: { autoPoolSpecification: { pool: { maxTasksPerNode: 2 } } },
  });
  assert.deepEqual(entityForVersion('jobs', job, V14), {
    id: 'j',
    maxParallelTasks: 4,
    jobManagerTask: { id: 'm', requiredSlots: 1 },
    poolInfo: { autoPoolSpecification: { pool: { taskSlotsPerNode: 2 } } },
  });
  assert.deepEqual(entityForVersion('jobs', job, V16), job);
  const schedule = { id: 's', jobSpecification: spec };
  const shaped = entityForVersion('jobschedules', schedule, V14) as { jobSpecification: object };
  assert.deepEqual(Object.keys(shaped.jobSpecification).sort(), [
    'jobManagerTask',
    'maxParallelTasks',
    'poolInfo',
  ]);
  assert.deepEqual(entityForVersion('jobschedules', schedule, V16), schedule);
  const v15 = entityForVersion('jobschedules', schedule, V15) as typeof schedule;
  assert.deepEqual(v15.jobSpecification.poolInfo.autoPoolSpecification.pool, { taskSlotsPerNode: 2 });
  assert.equal(v15.jobSpecification.allowTaskPreemption, false);
});

void test('shaping never changes the entity it was given', () => {
  const pool = { id: 'p', taskSlotsPerNode: 3, targetNodeCommunicationMode: 'default' };
  const copy = structuredClone(pool);
  entityForVersion('pools', pool, OLDEST);
  requestBodyFromVersion({ maxTasksPerNode: 1 }, OLDEST);
  assert.deepEqual(pool, copy);
});

void test('node counts: upgradingOS from 2023-05-01.17.0, deallocated and deallocating from 2024-07-01.20.0', () => {
  const kinds = { idle: 1, total: 1, upgradingOS: 0, deallocated: 0, deallocating: 0 };
  const entry = { poolId: 'p', dedicated: kinds, lowPriority: kinds };
  const base = { idle: 1, total: 1 };
  assert.deepEqual(entityForVersion('poolnodecounts', entry, V16), {
    poolId: 'p',
    dedicated: base,
    lowPriority: base,
  });
  const v19 = { ...base, upgradingOS: 0 };
  assert.deepEqual(entityForVersion('poolnodecounts', entry, '2024-02-01.19.0'), {
    poolId: 'p',
    dedicated: v19,
    lowPriority: v19,
  });
  assert.deepEqual(entityForVersion('poolnodecounts', entry, '2024-07-01.20.0'), entry);
});
