/** Job wire models. */
import type {
  ApplicationPackageReference,
  AuthenticationTokenSettings,
  DateTimeString,
  DurationString,
  EnvironmentSetting,
  MetadataItem,
  NameValuePair,
  OutputFile,
  ResourceFile,
  TaskContainerSettings,
  TaskFailureInformation,
  UserIdentity,
} from './common.js';
import type {
  DisableJobOption,
  ErrorCategory,
  JobState,
  OnAllTasksComplete,
  OnTaskFailure,
  PoolLifetimeOption,
  TaskExecutionResult,
} from './enums.js';
import type { PoolAddParameter } from './pool.js';
import type { TaskConstraints } from './task.js';

export interface JobConstraints {
  /** Measured from job creation; default unlimited. */
  maxWallClockTime?: DurationString;
  /** Default for tasks without their own constraints; -1 = unlimited, default 0. */
  maxTaskRetryCount?: number;
}

/** The pool settings of an auto pool: a pool add body without an id. */
export type PoolSpecification = Omit<PoolAddParameter, 'id'>;

export interface AutoPoolSpecification {
  autoPoolIdPrefix?: string;
  poolLifetimeOption: PoolLifetimeOption;
  keepAlive?: boolean;
  pool?: PoolSpecification;
}

/** Exactly one of `poolId` and `autoPoolSpecification`. */
export interface PoolInformation {
  poolId?: string;
  autoPoolSpecification?: AutoPoolSpecification;
}

export interface JobManagerTask {
  id: string;
  displayName?: string;
  commandLine: string;
  containerSettings?: TaskContainerSettings;
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
  environmentSettings?: EnvironmentSetting[];
  constraints?: TaskConstraints;
  requiredSlots?: number;
  killJobOnCompletion?: boolean;
  userIdentity?: UserIdentity;
  runExclusive?: boolean;
  applicationPackageReferences?: ApplicationPackageReference[];
  authenticationTokenSettings?: AuthenticationTokenSettings;
  allowLowPriorityNode?: boolean;
}

export interface JobPreparationTask {
  id?: string;
  commandLine: string;
  containerSettings?: TaskContainerSettings;
  resourceFiles?: ResourceFile[];
  environmentSettings?: EnvironmentSetting[];
  constraints?: TaskConstraints;
  waitForSuccess?: boolean;
  userIdentity?: UserIdentity;
  rerunOnNodeRebootAfterSuccess?: boolean;
}

export interface JobReleaseTask {
  id?: string;
  commandLine: string;
  containerSettings?: TaskContainerSettings;
  resourceFiles?: ResourceFile[];
  environmentSettings?: EnvironmentSetting[];
  maxWallClockTime?: DurationString;
  retentionTime?: DurationString;
  userIdentity?: UserIdentity;
}

export interface JobNetworkConfiguration {
  subnetId: string;
}

export interface JobSchedulingError {
  category: ErrorCategory;
  code?: string;
  message?: string;
  details?: NameValuePair[];
}

export interface JobExecutionInformation {
  startTime: DateTimeString;
  endTime?: DateTimeString;
  poolId?: string;
  schedulingError?: JobSchedulingError;
  /** `UserTerminate` by default; also `AllTasksComplete`, `TaskFailed`, `MaxWallClockTimeExpiry`, … */
  terminateReason?: string;
}

export interface JobStatistics {
  url: string;
  startTime: DateTimeString;
  lastUpdateTime: DateTimeString;
  userCPUTime: DurationString;
  kernelCPUTime: DurationString;
  wallClockTime: DurationString;
  readIOps: number;
  writeIOps: number;
  readIOGiB: number;
  writeIOGiB: number;
  numSucceededTasks: number;
  numFailedTasks: number;
  numTaskRetries: number;
  waitTime: DurationString;
}

/** Body of POST /jobs. */
export interface JobAddParameter {
  id: string;
  displayName?: string;
  /** -1000..1000, default 0. */
  priority?: number;
  /** -1 (default) = unlimited, else ≥ 1. */
  maxParallelTasks?: number;
  allowTaskPreemption?: boolean;
  constraints?: JobConstraints;
  jobManagerTask?: JobManagerTask;
  jobPreparationTask?: JobPreparationTask;
  jobReleaseTask?: JobReleaseTask;
  commonEnvironmentSettings?: EnvironmentSetting[];
  poolInfo: PoolInformation;
  /** Default `noaction`. */
  onAllTasksComplete?: OnAllTasksComplete;
  /** Default `noaction`. */
  onTaskFailure?: OnTaskFailure;
  metadata?: MetadataItem[];
  /** Default false. */
  usesTaskDependencies?: boolean;
  networkConfiguration?: JobNetworkConfiguration;
}

/** Body of PATCH /jobs/{jobId}: omitted properties stay unchanged. */
export interface JobPatchParameter {
  priority?: number;
  maxParallelTasks?: number;
  allowTaskPreemption?: boolean;
  onAllTasksComplete?: OnAllTasksComplete;
  constraints?: JobConstraints;
  poolInfo?: PoolInformation;
  metadata?: MetadataItem[];
}

/** Body of PUT /jobs/{jobId}: omitted properties are reset to their defaults. */
export interface JobUpdateParameter {
  priority?: number;
  maxParallelTasks?: number;
  allowTaskPreemption?: boolean;
  constraints?: JobConstraints;
  poolInfo: PoolInformation;
  metadata?: MetadataItem[];
  onAllTasksComplete?: OnAllTasksComplete;
}

/** Body of POST /jobs/{jobId}/disable. */
export interface JobDisableParameter {
  disableTasks: DisableJobOption;
}

/** Optional body of POST /jobs/{jobId}/terminate. */
export interface JobTerminateParameter {
  terminateReason?: string;
}

/** A job as returned by GET /jobs/{jobId} and in list pages. */
export interface CloudJob {
  id?: string;
  displayName?: string;
  usesTaskDependencies?: boolean;
  url?: string;
  eTag?: string;
  lastModified?: DateTimeString;
  creationTime?: DateTimeString;
  state?: JobState;
  stateTransitionTime?: DateTimeString;
  previousState?: JobState;
  previousStateTransitionTime?: DateTimeString;
  priority?: number;
  allowTaskPreemption?: boolean;
  maxParallelTasks?: number;
  constraints?: JobConstraints;
  jobManagerTask?: JobManagerTask;
  jobPreparationTask?: JobPreparationTask;
  jobReleaseTask?: JobReleaseTask;
  commonEnvironmentSettings?: EnvironmentSetting[];
  poolInfo?: PoolInformation;
  onAllTasksComplete?: OnAllTasksComplete;
  onTaskFailure?: OnTaskFailure;
  networkConfiguration?: JobNetworkConfiguration;
  metadata?: MetadataItem[];
  executionInfo?: JobExecutionInformation;
  stats?: JobStatistics;
}

/** One node's run of the job preparation task (JobPreparationTaskExecutionInformation). */
export interface JobPreparationTaskExecutionInformation {
  startTime: DateTimeString;
  endTime?: DateTimeString;
  state: 'running' | 'completed';
  taskRootDirectory?: string;
  taskRootDirectoryUrl?: string;
  exitCode?: number;
  failureInfo?: TaskFailureInformation;
  retryCount: number;
  lastRetryTime?: DateTimeString;
  result?: TaskExecutionResult;
}

/** One node's run of the job release task (JobReleaseTaskExecutionInformation). */
export interface JobReleaseTaskExecutionInformation {
  startTime: DateTimeString;
  endTime?: DateTimeString;
  state: 'running' | 'completed';
  taskRootDirectory?: string;
  taskRootDirectoryUrl?: string;
  exitCode?: number;
  failureInfo?: TaskFailureInformation;
  result?: TaskExecutionResult;
}

/** An item of `GET /jobs/{jobId}/jobpreparationandreleasetaskstatus`. */
export interface JobPreparationAndReleaseTaskExecutionInformation {
  poolId?: string;
  nodeId?: string;
  nodeUrl?: string;
  jobPreparationTaskExecutionInfo?: JobPreparationTaskExecutionInformation;
  jobReleaseTaskExecutionInfo?: JobReleaseTaskExecutionInformation;
}
