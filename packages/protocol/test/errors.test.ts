import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOG, errorSpec, isBatchErrorCode, type BatchErrorCode } from '../src/index.js';

const REQUIRED_CODES: BatchErrorCode[] = [
  'ConditionNotMet',
  'MissingRequiredHeader',
  'MissingRequiredProperty',
  'UnsupportedHeader',
  'UnsupportedProperty',
  'InvalidHeaderValue',
  'InvalidPropertyValue',
  'MissingRequiredQueryParameter',
  'UnsupportedQueryParameter',
  'InvalidQueryParameterValue',
  'OutOfRangeQueryParameterValue',
  'RequestUrlFailedToParse',
  'InvalidUri',
  'InvalidHttpVerb',
  'InvalidRequestBody',
  'OutOfRangeInput',
  'InvalidAuthenticationInfo',
  'InvalidInput',
  'InvalidMetadata',
  'MultipleConditionHeadersNotSupported',
  'AuthenticationFailed',
  'InsufficientAccountPermissions',
  'ResourceNotFound',
  'UnsupportedHttpVerb',
  'MissingContentLengthHeader',
  'RequestBodyTooLarge',
  'InvalidRange',
  'InternalError',
  'OperationTimedOut',
  'ServerBusy',
  'TooManyRequests',
  'UnsupportedRequestVersion',
  'TaskDependenciesNotSpecifiedOnJob',
  'TaskDependencyListTooLong',
  'TaskDependencyRangesTooLong',
  'PoolNotFound',
  'NodeNotFound',
  'JobNotFound',
  'TaskNotFound',
  'FileNotFound',
  'PoolExists',
  'JobExists',
  'TaskExists',
  'OperationInvalidForCurrentState',
  'PoolBeingDeleted',
  'PoolBeingResized',
  'PoolBeingCreated',
  'JobBeingTerminated',
  'JobBeingDeleted',
  'JobDisabled',
  'JobCompleted',
  'JobNotActive',
  'JobScheduleNotFound',
  'JobScheduleExists',
  'JobScheduleBeingTerminated',
  'JobScheduleBeingDeleted',
  'JobScheduleCompleted',
  'JobScheduleWithSameIdExists',
  'JobWithSameIdExists',
  'TaskCompleted',
  'TaskNotCompleted',
  'TaskSucceeded',
  'TaskFilesUnavailable',
  'TaskFilesCleanedup',
  'ActiveJobAndScheduleQuotaReached',
  'PoolQuotaReached',
  'OperationNotValidOnNode',
  'InvalidConstraintValue',
  'OutOfRangePriority',
  'NotImplemented',
];

void test('every required code is in the catalog with a message ending in a full stop', () => {
  for (const code of REQUIRED_CODES) {
    const spec = errorSpec(code);
    assert.ok(spec, code);
    assert.match(spec.message, /^[A-Z].*\.$/, code);
  }
});

void test('statuses and retry classes follow the catalog table', () => {
  const expected: Record<string, [number, string, string]> = {
    ConditionNotMet: [412, 'never', 'conditionNotMet'],
    InvalidRequestBody: [400, 'never', 'badRequest'],
    AuthenticationFailed: [403, 'never', 'auth'],
    InvalidAuthenticationInfo: [400, 'never', 'auth'],
    ResourceNotFound: [404, 'never', 'notFound'],
    UnsupportedHttpVerb: [405, 'never', 'badRequest'],
    MissingContentLengthHeader: [411, 'never', 'badRequest'],
    RequestBodyTooLarge: [413, 'never', 'badRequest'],
    InvalidRange: [416, 'never', 'badRequest'],
    InternalError: [500, 'transient', 'server'],
    OperationTimedOut: [500, 'transient', 'server'],
    NotImplemented: [501, 'never', 'server'],
    ServerBusy: [503, 'transient', 'throttled'],
    TooManyRequests: [429, 'transient', 'throttled'],
    JobExists: [409, 'never', 'alreadyExists'],
    TaskExists: [409, 'never', 'alreadyExists'],
    PoolExists: [409, 'never', 'alreadyExists'],
    JobNotFound: [404, 'never', 'notFound'],
    OperationInvalidForCurrentState: [409, 'state', 'invalidOperation'],
    PoolBeingResized: [409, 'state', 'invalidOperation'],
    PoolBeingCreated: [409, 'state', 'invalidOperation'],
    PoolBeingDeleted: [409, 'never', 'invalidOperation'],
    JobCompleted: [409, 'never', 'invalidOperation'],
    TaskDependenciesNotSpecifiedOnJob: [400, 'never', 'badRequest'],
  };
  for (const [code, [status, retry, family]] of Object.entries(expected)) {
    const spec = errorSpec(code);
    assert.deepEqual([spec?.status, spec?.retry, spec?.family], [status, retry, family], code);
  }
  assert.equal(ERROR_CATALOG.ConditionNotMet.readStatus, 304);
});

void test('only 5xx and 429 codes are transient', () => {
  for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
    const transient = spec.retry === 'transient';
    assert.equal(transient, spec.status === 429 || (spec.status >= 500 && spec.status !== 501), code);
  }
});

void test('every 409 …Exists code is alreadyExists, every 404 is notFound', () => {
  for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
    if (code.endsWith('Exists')) assert.equal(spec.family, 'alreadyExists', code);
    if (spec.status === 404) assert.equal(spec.family, 'notFound', code);
  }
});

void test('unknown codes and prototype names are not in the catalog', () => {
  assert.equal(errorSpec('NoSuchCode'), undefined);
  assert.equal(errorSpec('toString'), undefined);
  assert.equal(errorSpec('constructor'), undefined);
  assert.equal(isBatchErrorCode('JobExists'), true);
  assert.equal(isBatchErrorCode('__proto__'), false);
});

void test('the JobExists message matches the real service', () => {
  assert.equal(ERROR_CATALOG.JobExists.message, 'The specified job already exists.');
  assert.equal(ERROR_CATALOG.TaskNotFound.message, 'The specified task does not exist.');
});
