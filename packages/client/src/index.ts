/**
 * @batchite/client — `BatchClient`, a typed Azure Batch data-plane client whose every call goes through the
 * `@batchite/retry` engine, plus an adapter that plugs the same engine into the official `@azure/batch` 10.x SDK.
 */
export { BatchClient } from './batch-client.js';
export { BatchError, isBatchError, kindOf, type BatchErrorKind } from './batch-error.js';
export {
  CONNECTION_ENV,
  DEFAULT_CONNECTION,
  resolveConnection,
  type ConnectionOptions,
  type ResolvedConnection,
} from './defaults.js';
export {
  DEFAULT_CREATE_TASKS_OPTIONS,
  type CreateTasksOptions,
  type TaskCreateOutcome,
} from './create-tasks.js';
export {
  OPERATION_POLICIES,
  type OperationClass,
  type OperationName,
  type OperationPolicy,
} from './operation-policies.js';
export {
  DEFAULT_BATCHITE_REQUEST,
  EXTENSION_PREFIX,
  type BatchiteRequest,
  type BatchiteResponse,
} from './operations/batchite.js';
export type { UsageMetricsOptions } from './operations/account.js';
export type { CreateResult, WithResponse, WriteResult } from './operations/common.js';
export type {
  FileConditionalOptions,
  GetTaskFileOptions,
  TaskFile,
  TaskFileProperties,
} from './operations/files.js';
export type { TerminateJobOptions } from './operations/jobs.js';
export {
  CLIENT_VERSION,
  DEFAULT_CLIENT_OPTIONS,
  type BatchClientOptions,
  type CallOptions,
  type ConditionalOptions,
  type GetOptions,
  type ListOptions,
} from './options.js';
export type { Page, PagedAsyncIterable } from './paging.js';
export { matchesSent, type MatchResult } from './reconcile.js';
export { DEFAULT_WAIT_OPTIONS, WAIT_TIMEOUT_CODE, type TaskWaitProgress, type WaitOptions } from './wait.js';
export {
  BatchiteRetryRequestPolicy,
  REPLACED_POLICIES,
  batchiteRequestPolicyFactories,
  type AzureSdkAdapterOptions,
  type RequestPolicyFactoryLike,
} from './azure-sdk-adapter.js';
