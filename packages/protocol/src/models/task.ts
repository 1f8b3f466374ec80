/** Task wire models, including bulk add, task counts and subtasks. */
import type { BatchErrorBody } from '../errors.js';
import type {
  ApplicationPackageReference,
  AuthenticationTokenSettings,
  ComputeNodeInformation,
  DateTimeString,
  DurationString,
  EnvironmentSetting,
  OutputFile,
  ResourceFile,
  TaskContainerExecutionInformation,
  TaskContainerSettings,
  TaskFailureInformation,
  UserIdentity,
} from './common.js';
import type {
  DependencyAction,
  JobAction,
  SubtaskState,
  TaskAddStatus,
  TaskExecutionResult,
  TaskState,
} from './enums.js';

export type { TaskFailureInformation, ComputeNodeInformation };

export interface TaskConstraints {
  /** From task start; default unlimited. */
  maxWallClockTime?: DurationString;
  /** How long the task directory is kept after completion; default 7 days. */
  retentionTime?: DurationString;
  /** Retries for non-zero exits; -1 = unlimited; default the job's value. */
  maxTaskRetryCount?: number;
}

export interface ExitOptions {
  /** Default `none` for exit 0, `terminate` otherwise; applied only with job onTaskFailure=performexitoptionsjobaction. */
  jobAction?: JobAction;
  dependencyAction?: DependencyAction;
}

export interface ExitCodeMapping {
  code: number;
  exitOptions: ExitOptions;
}

/** `start` and `end` are inclusive. */
export interface ExitCodeRangeMapping {
  start: number;
  end: number;
  exitOptions: ExitOptions;
}

export interface ExitConditions {
  exitCodes?: ExitCodeMapping[];
  exitCodeRanges?: ExitCodeRangeMapping[];
  preProcessingError?: ExitOptions;
  fileUploadError?: ExitOptions;
  default?: ExitOptions;
}

/** Inclusive range of numeric task ids. */
export interface TaskIdRange {
  start: number;
  end: number;
}

export interface TaskDependencies {
  taskIds?: string[];
  taskIdRanges?: TaskIdRange[];
}

export interface AffinityInformation {
  affinityId: string;
}

export interface MultiInstanceSettings {
  numberOfInstances?: number;
  coordinationCommandLine: string;
  commonResourceFiles?: ResourceFile[];
}

export interface TaskExecutionInformation {
  startTime?: DateTimeString;
  endTime?: DateTimeString;
  exitCode?: number;
  containerInfo?: TaskContainerExecutionInformation;
  failureInfo?: TaskFailureInformation;
  retryCount: number;
  lastRetryTime?: DateTimeString;
  requeueCount: number;
  lastRequeueTime?: DateTimeString;
  result?: TaskExecutionResult;
}

export interface TaskStatistics {
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
  waitTime: DurationString;
}

/** Body of POST /jobs/{jobId}/tasks, and an item of addtaskcollection. */
export interface TaskAddParameter {
  id: string;
  displayName?: string;
  /** Not run under a shell. */
  commandLine: string;
  containerSettings?: TaskContainerSettings;
  exitConditions?: ExitConditions;
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
  environmentSettings?: EnvironmentSetting[];
  affinityInfo?: AffinityInformation;
  constraints?: TaskConstraints;
  /** Default 1. */
  requiredSlots?: number;
  userIdentity?: UserIdentity;
  multiInstanceSettings?: MultiInstanceSettings;
  dependsOn?: TaskDependencies;
  applicationPackageReferences?: ApplicationPackageReference[];
  authenticationTokenSettings?: AuthenticationTokenSettings;
}

/** Body of POST /jobs/{jobId}/addtaskcollection: at most 100 tasks. */
export interface TaskAddCollectionParameter {
  value: TaskAddParameter[];
}

/** The per-task error has the error-body shape without `odata.metadata`. */
export type TaskAddError = Omit<BatchErrorBody, 'odata.metadata'>;

export interface TaskAddResult {
  status: TaskAddStatus;
  taskId: string;
  eTag?: string;
  lastModified?: DateTimeString;
  location?: string;
  error?: TaskAddError;
}

export interface TaskAddCollectionResult {
  value?: TaskAddResult[];
}

/** Body of PUT /jobs/{jobId}/tasks/{taskId}. */
export interface TaskUpdateParameter {
  constraints?: TaskConstraints;
}

/** A task as returned by GET /jobs/{jobId}/tasks/{taskId} and in list pages. */
export interface CloudTask {
  id?: string;
  displayName?: string;
  url?: string;
  eTag?: string;
  lastModified?: DateTimeString;
  creationTime?: DateTimeString;
  exitConditions?: ExitConditions;
  state?: TaskState;
  stateTransitionTime?: DateTimeString;
  previousState?: TaskState;
  previousStateTransitionTime?: DateTimeString;
  commandLine?: string;
  containerSettings?: TaskContainerSettings;
  resourceFiles?: ResourceFile[];
  outputFiles?: OutputFile[];
  environmentSettings?: EnvironmentSetting[];
  affinityInfo?: AffinityInformation;
  constraints?: TaskConstraints;
  requiredSlots?: number;
  userIdentity?: UserIdentity;
  executionInfo?: TaskExecutionInformation;
  nodeInfo?: ComputeNodeInformation;
  multiInstanceSettings?: MultiInstanceSettings;
  stats?: TaskStatistics;
  dependsOn?: TaskDependencies;
  applicationPackageReferences?: ApplicationPackageReference[];
  authenticationTokenSettings?: AuthenticationTokenSettings;
}

export interface TaskCounts {
  active: number;
  /** Includes preparing tasks. */
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

export interface TaskSlotCounts {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

/** Body of GET /jobs/{jobId}/taskcounts. */
export interface TaskCountsResult {
  taskCounts: TaskCounts;
  taskSlotCounts: TaskSlotCounts;
}

/** An item of GET /jobs/{jobId}/tasks/{taskId}/subtasksinfo. */
export interface SubtaskInformation {
  id?: number;
  nodeInfo?: ComputeNodeInformation;
  startTime?: DateTimeString;
  endTime?: DateTimeString;
  exitCode?: number;
  containerInfo?: TaskContainerExecutionInformation;
  failureInfo?: TaskFailureInformation;
  state?: SubtaskState;
  stateTransitionTime?: DateTimeString;
  previousState?: SubtaskState;
  previousStateTransitionTime?: DateTimeString;
  result?: TaskExecutionResult;
}
