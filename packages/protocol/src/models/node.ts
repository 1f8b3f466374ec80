/** Compute node wire models. */
import type {
  DateTimeString,
  NameValuePair,
  OpaqueObject,
  TaskContainerExecutionInformation,
  TaskFailureInformation,
} from './common.js';
import type {
  ComputeNodeState,
  SchedulingState,
  StartTaskState,
  TaskExecutionResult,
  TaskState,
} from './enums.js';
import type { ImageReference, StartTask } from './pool.js';
import type { TaskExecutionInformation } from './task.js';

/** An entry of `ComputeNode.recentTasks`. */
export interface TaskInformation {
  taskUrl?: string;
  jobId?: string;
  taskId?: string;
  subtaskId?: number;
  taskState: TaskState;
  executionInfo?: TaskExecutionInformation;
}

export interface StartTaskInformation {
  state: StartTaskState;
  startTime: DateTimeString;
  endTime?: DateTimeString;
  exitCode?: number;
  containerInfo?: TaskContainerExecutionInformation;
  failureInfo?: TaskFailureInformation;
  retryCount: number;
  lastRetryTime?: DateTimeString;
  result?: TaskExecutionResult;
}

export interface ComputeNodeError {
  code?: string;
  message?: string;
  errorDetails?: NameValuePair[];
}

export interface NodeAgentInformation {
  version: string;
  lastUpdateTime: DateTimeString;
}

/** A node as returned by GET /pools/{poolId}/nodes/{nodeId} and in list pages. */
export interface ComputeNode {
  id?: string;
  url?: string;
  state?: ComputeNodeState;
  schedulingState?: SchedulingState;
  stateTransitionTime?: DateTimeString;
  lastBootTime?: DateTimeString;
  allocationTime?: DateTimeString;
  ipAddress?: string;
  affinityId?: string;
  vmSize?: string;
  totalTasksRun?: number;
  runningTasksCount?: number;
  runningTaskSlotsCount?: number;
  totalTasksSucceeded?: number;
  recentTasks?: TaskInformation[];
  startTask?: StartTask;
  startTaskInfo?: StartTaskInformation;
  certificateReferences?: OpaqueObject[];
  errors?: ComputeNodeError[];
  isDedicated?: boolean;
  endpointConfiguration?: OpaqueObject;
  nodeAgentInfo?: NodeAgentInformation;
  virtualMachineInfo?: { imageReference?: ImageReference };
}
