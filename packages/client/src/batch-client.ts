/**
 * `BatchClient`: typed Azure Batch data-plane operations. Every call is signed with Shared Key afresh on each attempt
 * and runs through one shared `RetryPolicy` (budget and host gate shared by all calls of the client); per-operation
 * behaviour comes from operation-policies.ts. Method names follow the current official Azure SDK.
 */
import type {
  ApplicationSummary,
  AutoScaleRun,
  ImageInformation,
  PoolNodeCounts,
  PoolUsageMetrics,
  PoolEnableAutoScaleParameter,
  NodeRebootParameter,
  NodeReimageParameter,
  NodeRemoveParameter,
  PoolPatchParameter,
  PoolUpdatePropertiesParameter,
  CloudJob,
  CloudJobSchedule,
  CloudPool,
  CloudTask,
  ComputeNode,
  ComputeNodeUser,
  NodeUpdateUserParameter,
  ComputeNodeGetRemoteLoginSettingsResult,
  DisableComputeNodeSchedulingOption,
  DisableJobOption,
  JobAddParameter,
  JobExplanation,
  JobScheduleAddParameter,
  JobSchedulePatchParameter,
  JobScheduleUpdateParameter,
  JobPatchParameter,
  JobUpdateParameter,
  NodeFile,
  PoolAddParameter,
  PoolResizeParameter,
  SubtaskInformation,
  TaskAddCollectionResult,
  TaskAddParameter,
  TaskCounts,
  TaskCountsResult,
  TaskExplanation,
  TaskUpdateParameter,
} from '@batchite/protocol';
import { RetryPolicy } from '@batchite/retry';
import { createTasks, type CreateTasksOptions, type TaskCreateOutcome } from './create-tasks.js';
import * as account from './operations/account.js';
import * as batchite from './operations/batchite.js';
import type { CreateResult, WithResponse, WriteResult } from './operations/common.js';
import * as files from './operations/files.js';
import * as schedules from './operations/job-schedules.js';
import * as jobs from './operations/jobs.js';
import * as nodeOperations from './operations/node-operations.js';
import * as autoscale from './operations/pool-autoscale.js';
import * as nodes from './operations/nodes.js';
import * as poolUpdates from './operations/pool-updates.js';
import * as pools from './operations/pools.js';
import * as tasks from './operations/tasks.js';
import {
  resolveClientOptions,
  type BatchClientOptions,
  type CallOptions,
  type ConditionalOptions,
  type GetOptions,
  type ListOptions,
  type ResolvedClientOptions,
} from './options.js';
import type { PagedAsyncIterable } from './paging.js';
import { Pipeline } from './pipeline.js';
import { waitForJob, waitForTasks, type TaskWaitProgress, type WaitOptions } from './wait.js';

export class BatchClient {
  /** Resolved options (endpoint without trailing slash, account, api-version…). */
  readonly options: ResolvedClientOptions;
  /** The retry engine every call of this client goes through. */
  readonly retryPolicy: RetryPolicy;
  readonly #pipeline: Pipeline;

  /**
   * With no options: the local development server (`http://127.0.0.1:10100`) and the well-known account, or what
   * BATCHITE_ENDPOINT / BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY say (explicit options win).
   */
  constructor(options: BatchClientOptions = {}) {
    this.options = resolveClientOptions(options);
    this.retryPolicy =
      options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry ?? {});
    const clock = this.retryPolicy.options.clock;
    this.#pipeline = new Pipeline({
      transport: {
        endpoint: this.options.endpoint,
        accountName: this.options.accountName,
        accountKey: this.options.accountKey,
        apiVersion: this.options.apiVersion,
        userAgent: this.options.userAgent,
        fetch: this.options.fetch,
        now: () => clock.now(),
      },
      policy: this.retryPolicy,
      gateKey: new URL(this.options.endpoint).host,
      timeoutMs: this.options.timeoutMs,
    });
  }

  // Pools and nodes.
  createPool(pool: PoolAddParameter, options: CallOptions = {}): Promise<CreateResult> {
    return pools.createPool(this.#pipeline, pool, options);
  }
  getPool(poolId: string, options: GetOptions = {}): Promise<WithResponse<CloudPool>> {
    return pools.getPool(this.#pipeline, poolId, options);
  }
  poolExists(poolId: string, options: ConditionalOptions = {}): Promise<boolean> {
    return pools.poolExists(this.#pipeline, poolId, options);
  }
  listPools(options: ListOptions = {}): PagedAsyncIterable<CloudPool> {
    return pools.listPools(this.#pipeline, options);
  }
  deletePool(poolId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return pools.deletePool(this.#pipeline, poolId, options);
  }
  resizePool(
    poolId: string,
    resize: PoolResizeParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return pools.resizePool(this.#pipeline, poolId, resize, options);
  }
  patchPool(
    poolId: string,
    patch: PoolPatchParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return poolUpdates.patchPool(this.#pipeline, poolId, patch, options);
  }
  updatePoolProperties(
    poolId: string,
    properties: PoolUpdatePropertiesParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return poolUpdates.updatePoolProperties(this.#pipeline, poolId, properties, options);
  }
  stopPoolResize(poolId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return poolUpdates.stopPoolResize(this.#pipeline, poolId, options);
  }
  removeNodes(
    poolId: string,
    removal: NodeRemoveParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return poolUpdates.removeNodes(this.#pipeline, poolId, removal, options);
  }
  enableAutoScale(
    poolId: string,
    settings: PoolEnableAutoScaleParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return autoscale.enableAutoScale(this.#pipeline, poolId, settings, options);
  }
  disableAutoScale(poolId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return autoscale.disableAutoScale(this.#pipeline, poolId, options);
  }
  evaluateAutoScale(
    poolId: string,
    autoScaleFormula: string,
    options: CallOptions = {},
  ): Promise<WithResponse<AutoScaleRun>> {
    return autoscale.evaluateAutoScale(this.#pipeline, poolId, autoScaleFormula, options);
  }
  rebootNode(
    poolId: string,
    nodeId: string,
    parameters: NodeRebootParameter = {},
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodeOperations.rebootNode(this.#pipeline, poolId, nodeId, parameters, options);
  }
  reimageNode(
    poolId: string,
    nodeId: string,
    parameters: NodeReimageParameter = {},
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodeOperations.reimageNode(this.#pipeline, poolId, nodeId, parameters, options);
  }
  listNodes(poolId: string, options: ListOptions = {}): PagedAsyncIterable<ComputeNode> {
    return pools.listNodes(this.#pipeline, poolId, options);
  }
  getNode(poolId: string, nodeId: string, options: GetOptions = {}): Promise<WithResponse<ComputeNode>> {
    return pools.getNode(this.#pipeline, poolId, nodeId, options);
  }
  /** Stops scheduling tasks to the node; `option` says what becomes of its running tasks (default requeue). */
  disableNodeScheduling(
    poolId: string,
    nodeId: string,
    option?: DisableComputeNodeSchedulingOption,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodes.disableNodeScheduling(this.#pipeline, poolId, nodeId, option, options);
  }
  enableNodeScheduling(poolId: string, nodeId: string, options: CallOptions = {}): Promise<WriteResult> {
    return nodes.enableNodeScheduling(this.#pipeline, poolId, nodeId, options);
  }
  /** Adds an operating-system account to the node; answers once the node's agent made it. */
  addNodeUser(
    poolId: string,
    nodeId: string,
    user: ComputeNodeUser,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodes.addNodeUser(this.#pipeline, poolId, nodeId, user, options);
  }
  /** Replaces the account's password, SSH key and expiry (absent ones are removed / back to one day). */
  updateNodeUser(
    poolId: string,
    nodeId: string,
    userName: string,
    parameters: NodeUpdateUserParameter = {},
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodes.updateNodeUser(this.#pipeline, poolId, nodeId, userName, parameters, options);
  }
  deleteNodeUser(
    poolId: string,
    nodeId: string,
    userName: string,
    options: CallOptions = {},
  ): Promise<WriteResult> {
    return nodes.deleteNodeUser(this.#pipeline, poolId, nodeId, userName, options);
  }
  getNodeRemoteLoginSettings(
    poolId: string,
    nodeId: string,
    options: GetOptions = {},
  ): Promise<WithResponse<ComputeNodeGetRemoteLoginSettingsResult>> {
    return nodes.getNodeRemoteLoginSettings(this.#pipeline, poolId, nodeId, options);
  }

  // Jobs.
  createJob(job: JobAddParameter, options: CallOptions = {}): Promise<CreateResult> {
    return jobs.createJob(this.#pipeline, job, options);
  }
  getJob(jobId: string, options: GetOptions = {}): Promise<WithResponse<CloudJob>> {
    return jobs.getJob(this.#pipeline, jobId, options);
  }
  listJobs(options: ListOptions = {}): PagedAsyncIterable<CloudJob> {
    return jobs.listJobs(this.#pipeline, options);
  }
  /** PATCH: omitted properties stay unchanged. */
  updateJob(jobId: string, patch: JobPatchParameter, options: ConditionalOptions = {}): Promise<WriteResult> {
    return jobs.updateJob(this.#pipeline, jobId, patch, options);
  }
  /** PUT: omitted properties are reset to their defaults. */
  replaceJob(jobId: string, job: JobUpdateParameter, options: ConditionalOptions = {}): Promise<WriteResult> {
    return jobs.replaceJob(this.#pipeline, jobId, job, options);
  }
  deleteJob(jobId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return jobs.deleteJob(this.#pipeline, jobId, options);
  }
  disableJob(
    jobId: string,
    disableTasks: DisableJobOption,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return jobs.disableJob(this.#pipeline, jobId, disableTasks, options);
  }
  enableJob(jobId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return jobs.enableJob(this.#pipeline, jobId, options);
  }
  terminateJob(jobId: string, options: jobs.TerminateJobOptions = {}): Promise<WriteResult> {
    return jobs.terminateJob(this.#pipeline, jobId, options);
  }
  getJobTaskCounts(
    jobId: string,
    options: CallOptions = {},
  ): Promise<TaskCountsResult & { requestId?: string }> {
    return jobs.getJobTaskCounts(this.#pipeline, jobId, options);
  }

  // Job schedules: their jobs are `<jobScheduleId>:job-<n>`.
  createJobSchedule(schedule: JobScheduleAddParameter, options: CallOptions = {}): Promise<CreateResult> {
    return schedules.createJobSchedule(this.#pipeline, schedule, options);
  }
  getJobSchedule(id: string, options: GetOptions = {}): Promise<WithResponse<CloudJobSchedule>> {
    return schedules.getJobSchedule(this.#pipeline, id, options);
  }
  jobScheduleExists(id: string, options: ConditionalOptions = {}): Promise<boolean> {
    return schedules.jobScheduleExists(this.#pipeline, id, options);
  }
  listJobSchedules(options: ListOptions = {}): PagedAsyncIterable<CloudJobSchedule> {
    return schedules.listJobSchedules(this.#pipeline, options);
  }
  listJobsFromSchedule(id: string, options: ListOptions = {}): PagedAsyncIterable<CloudJob> {
    return schedules.listJobsFromSchedule(this.#pipeline, id, options);
  }
  /** PATCH: omitted properties stay unchanged. */
  updateJobSchedule(id: string, patch: JobSchedulePatchParameter, options: ConditionalOptions = {}) {
    return schedules.updateJobSchedule(this.#pipeline, id, patch, options);
  }
  /** PUT: schedule and jobSpecification replaced; omitted metadata is removed. */
  replaceJobSchedule(id: string, schedule: JobScheduleUpdateParameter, options: ConditionalOptions = {}) {
    return schedules.replaceJobSchedule(this.#pipeline, id, schedule, options);
  }
  deleteJobSchedule(id: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    const request = { method: 'DELETE', expect: [202] } as const;
    return schedules.jobScheduleWrite(this.#pipeline, 'deleteJobSchedule', id, request, options);
  }
  disableJobSchedule(id: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    const request = { method: 'POST', suffix: '/disable', expect: [204] } as const;
    return schedules.jobScheduleWrite(this.#pipeline, 'disableJobSchedule', id, request, options);
  }
  enableJobSchedule(id: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    const request = { method: 'POST', suffix: '/enable', expect: [204] } as const;
    return schedules.jobScheduleWrite(this.#pipeline, 'enableJobSchedule', id, request, options);
  }
  /** The current job ends with terminateReason `TerminateJobSchedule`; the schedule completes once it has. */
  terminateJobSchedule(id: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    const request = { method: 'POST', suffix: '/terminate', expect: [202] } as const;
    return schedules.jobScheduleWrite(this.#pipeline, 'terminateJobSchedule', id, request, options);
  }

  // Tasks.
  createTask(jobId: string, task: TaskAddParameter, options: CallOptions = {}): Promise<CreateResult> {
    return tasks.createTask(this.#pipeline, jobId, task, options);
  }
  /** One add-task-collection request (≤ 100 tasks), per-task results as the service sent them. */
  createTaskCollection(
    jobId: string,
    taskList: readonly TaskAddParameter[],
    options: CallOptions = {},
  ): Promise<TaskAddCollectionResult & { attempts: number }> {
    return tasks.createTaskCollection(this.#pipeline, jobId, taskList, options);
  }
  /** Any number of tasks: chunked, in parallel, retrying only failed items; one outcome per task, in input order. */
  createTasks(
    jobId: string,
    taskList: readonly TaskAddParameter[],
    options: CreateTasksOptions = {},
  ): Promise<TaskCreateOutcome[]> {
    return createTasks(this.#pipeline, jobId, taskList, options);
  }
  getTask(jobId: string, taskId: string, options: GetOptions = {}): Promise<WithResponse<CloudTask>> {
    return tasks.getTask(this.#pipeline, jobId, taskId, options);
  }
  listTasks(jobId: string, options: ListOptions = {}): PagedAsyncIterable<CloudTask> {
    return tasks.listTasks(this.#pipeline, jobId, options);
  }
  /** PUT: replaces the task's constraints. */
  replaceTask(
    jobId: string,
    taskId: string,
    update: TaskUpdateParameter,
    options: ConditionalOptions = {},
  ): Promise<WriteResult> {
    return tasks.replaceTask(this.#pipeline, jobId, taskId, update, options);
  }
  deleteTask(jobId: string, taskId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return tasks.deleteTask(this.#pipeline, jobId, taskId, options);
  }
  terminateTask(jobId: string, taskId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return tasks.terminateTask(this.#pipeline, jobId, taskId, options);
  }
  reactivateTask(jobId: string, taskId: string, options: ConditionalOptions = {}): Promise<WriteResult> {
    return tasks.reactivateTask(this.#pipeline, jobId, taskId, options);
  }
  listSubtasks(
    jobId: string,
    taskId: string,
    options: CallOptions & { select?: string } = {},
  ): PagedAsyncIterable<SubtaskInformation> {
    return tasks.listSubtasks(this.#pipeline, jobId, taskId, options);
  }

  // Task files.
  listTaskFiles(
    jobId: string,
    taskId: string,
    options: ListOptions & { recursive?: boolean } = {},
  ): PagedAsyncIterable<NodeFile> {
    return files.listFiles(this.#pipeline, files.taskFileOwner(jobId, taskId), options);
  }
  /** Reads a task file: bytes by default, a stream with `{ stream: true }`; `range` reads part of it. */
  getTaskFile(
    jobId: string,
    taskId: string,
    filePath: string,
    options: files.GetTaskFileOptions & { stream: true },
  ): Promise<files.TaskFile<ReadableStream<Uint8Array>>>;
  getTaskFile(
    jobId: string,
    taskId: string,
    filePath: string,
    options?: files.GetTaskFileOptions & { stream?: false },
  ): Promise<files.TaskFile<Uint8Array>>;
  getTaskFile(
    jobId: string,
    taskId: string,
    filePath: string,
    options: files.GetTaskFileOptions = {},
  ): Promise<files.TaskFile<Uint8Array | ReadableStream<Uint8Array>>> {
    return files.getFile(this.#pipeline, files.taskFileOwner(jobId, taskId), filePath, options);
  }
  getTaskFileProperties(
    jobId: string,
    taskId: string,
    filePath: string,
    options: files.FileConditionalOptions = {},
  ): Promise<files.TaskFileProperties> {
    return files.getFileProperties(this.#pipeline, files.taskFileOwner(jobId, taskId), filePath, options);
  }
  deleteTaskFile(
    jobId: string,
    taskId: string,
    filePath: string,
    options: CallOptions & { recursive?: boolean } = {},
  ): Promise<WriteResult> {
    return files.deleteFile(this.#pipeline, files.taskFileOwner(jobId, taskId), filePath, options);
  }

  // Node files (the node's startup/, shared/ and workitems/).
  listNodeFiles(
    poolId: string,
    nodeId: string,
    options: ListOptions & { recursive?: boolean } = {},
  ): PagedAsyncIterable<NodeFile> {
    return files.listFiles(this.#pipeline, files.nodeFileOwner(poolId, nodeId), options);
  }
  /** Reads a node file: bytes by default, a stream with `{ stream: true }`; `range` reads part of it. */
  getNodeFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: files.GetTaskFileOptions & { stream: true },
  ): Promise<files.TaskFile<ReadableStream<Uint8Array>>>;
  getNodeFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options?: files.GetTaskFileOptions & { stream?: false },
  ): Promise<files.TaskFile<Uint8Array>>;
  getNodeFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: files.GetTaskFileOptions = {},
  ): Promise<files.TaskFile<Uint8Array | ReadableStream<Uint8Array>>> {
    return files.getFile(this.#pipeline, files.nodeFileOwner(poolId, nodeId), filePath, options);
  }
  getNodeFileProperties(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: files.FileConditionalOptions = {},
  ): Promise<files.TaskFileProperties> {
    return files.getFileProperties(this.#pipeline, files.nodeFileOwner(poolId, nodeId), filePath, options);
  }
  deleteNodeFile(
    poolId: string,
    nodeId: string,
    filePath: string,
    options: CallOptions & { recursive?: boolean } = {},
  ): Promise<WriteResult> {
    return files.deleteFile(this.#pipeline, files.nodeFileOwner(poolId, nodeId), filePath, options);
  }

  // Waiting for work to finish (polls through the retry engine; see wait.ts).
  /** Resolves with the final task counts once every task of the job completed (or the job ended). */
  waitForJob(jobId: string, options: WaitOptions<TaskCounts> = {}): Promise<TaskCounts> {
    return waitForJob(this, this.retryPolicy.options.clock, jobId, options);
  }
  /** Resolves with the final tasks once every one of `taskIds` (default: every task of the job) completed. */
  waitForTasks(
    jobId: string,
    taskIds?: readonly string[],
    options: WaitOptions<TaskWaitProgress> = {},
  ): Promise<CloudTask[]> {
    return waitForTasks(this, this.retryPolicy.options.clock, jobId, taskIds, options);
  }

  // Account-level operations.
  /** Per pool, its dedicated and low-priority nodes per state; `filter` on `poolId`. */
  listPoolNodeCounts(options: ListOptions = {}): PagedAsyncIterable<PoolNodeCounts> {
    return account.listPoolNodeCounts(this.#pipeline, options);
  }
  /** Core hours per pool per 30-minute interval; without a range, the last complete interval. */
  listPoolUsageMetrics(options: account.UsageMetricsOptions = {}): PagedAsyncIterable<PoolUsageMetrics> {
    return account.listPoolUsageMetrics(this.#pipeline, options);
  }
  /** The images (node agent SKUs) pools can use. */
  listSupportedImages(options: ListOptions = {}): PagedAsyncIterable<ImageInformation> {
    return account.listSupportedImages(this.#pipeline, options);
  }
  listApplications(options: ListOptions = {}): PagedAsyncIterable<ApplicationSummary> {
    return account.listApplications(this.#pipeline, options);
  }
  getApplication(
    applicationId: string,
    options: CallOptions = {},
  ): Promise<WithResponse<ApplicationSummary>> {
    return account.getApplication(this.#pipeline, applicationId, options);
  }

  // Batchite extension endpoints (`/.batchite/…`): not part of Azure Batch.
  /** Why a job's tasks wait (by reason), or why one task is (not) running: the server's scheduler explanation. */
  why(jobId: string, options?: CallOptions): Promise<JobExplanation>;
  why(jobId: string, taskId: string, options?: CallOptions): Promise<TaskExplanation>;
  why(
    jobId: string,
    taskIdOrOptions?: string | CallOptions,
    options: CallOptions = {},
  ): Promise<JobExplanation | TaskExplanation> {
    return typeof taskIdOrOptions === 'string'
      ? batchite.why(this.#pipeline, jobId, taskIdOrOptions, options)
      : batchite.why(this.#pipeline, jobId, undefined, taskIdOrOptions ?? {});
  }
  /**
   * A signed request to an extension endpoint under `/.batchite/` (fault rules, …), through the same transport and
   * retry engine as every call. Rejects with `BatchError` on any status outside `expect`.
   */
  request<T = unknown>(request: batchite.BatchiteRequest): Promise<batchite.BatchiteResponse<T>> {
    return batchite.batchiteRequest<T>(this.#pipeline, request);
  }
}
