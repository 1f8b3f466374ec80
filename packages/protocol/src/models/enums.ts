/**
 * Enumerations of the Batch wire format. Values are lower-case on the wire (Azure Batch REST reference); the service compares
 * them case-insensitively, so validators lower-case what they accept. Each union has a frozen array of its values,
 * used by the validators and the `$filter` schemas.
 */

export const POOL_STATES = ['active', 'deleting'] as const;
export type PoolState = (typeof POOL_STATES)[number];

export const ALLOCATION_STATES = ['steady', 'resizing', 'stopping'] as const;
export type AllocationState = (typeof ALLOCATION_STATES)[number];

export const COMPUTE_NODE_STATES = [
  'idle',
  'rebooting',
  'reimaging',
  'running',
  'unusable',
  'creating',
  'starting',
  'waitingforstarttask',
  'starttaskfailed',
  'unknown',
  'leavingpool',
  'offline',
  'preempted',
] as const;
export type ComputeNodeState = (typeof COMPUTE_NODE_STATES)[number];

export const SCHEDULING_STATES = ['enabled', 'disabled'] as const;
export type SchedulingState = (typeof SCHEDULING_STATES)[number];

export const START_TASK_STATES = ['running', 'completed'] as const;
export type StartTaskState = (typeof START_TASK_STATES)[number];

export const JOB_STATES = [
  'active',
  'disabling',
  'disabled',
  'enabling',
  'terminating',
  'completed',
  'deleting',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_SCHEDULE_STATES = ['active', 'completed', 'disabled', 'terminating', 'deleting'] as const;
export type JobScheduleState = (typeof JOB_SCHEDULE_STATES)[number];

export const TASK_STATES = ['active', 'preparing', 'running', 'completed'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const SUBTASK_STATES = ['preparing', 'running', 'completed'] as const;
export type SubtaskState = (typeof SUBTASK_STATES)[number];

export const TASK_EXECUTION_RESULTS = ['success', 'failure'] as const;
export type TaskExecutionResult = (typeof TASK_EXECUTION_RESULTS)[number];

export const TASK_ADD_STATUSES = ['success', 'clienterror', 'servererror'] as const;
export type TaskAddStatus = (typeof TASK_ADD_STATUSES)[number];

export const ON_ALL_TASKS_COMPLETE = ['noaction', 'terminatejob'] as const;
export type OnAllTasksComplete = (typeof ON_ALL_TASKS_COMPLETE)[number];

export const ON_TASK_FAILURE = ['noaction', 'performexitoptionsjobaction'] as const;
export type OnTaskFailure = (typeof ON_TASK_FAILURE)[number];

export const DISABLE_JOB_OPTIONS = ['requeue', 'terminate', 'wait'] as const;
export type DisableJobOption = (typeof DISABLE_JOB_OPTIONS)[number];

export const COMPUTE_NODE_DEALLOCATION_OPTIONS = [
  'requeue',
  'terminate',
  'taskcompletion',
  'retaineddata',
] as const;
export type ComputeNodeDeallocationOption = (typeof COMPUTE_NODE_DEALLOCATION_OPTIONS)[number];

export const JOB_ACTIONS = ['none', 'disable', 'terminate'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const DEPENDENCY_ACTIONS = ['satisfy', 'block'] as const;
export type DependencyAction = (typeof DEPENDENCY_ACTIONS)[number];

export const ERROR_CATEGORIES = ['usererror', 'servererror'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const COMPUTE_NODE_FILL_TYPES = ['spread', 'pack'] as const;
export type ComputeNodeFillType = (typeof COMPUTE_NODE_FILL_TYPES)[number];

export const NODE_COMMUNICATION_MODES = ['default', 'classic', 'simplified'] as const;
export type NodeCommunicationMode = (typeof NODE_COMMUNICATION_MODES)[number];

export const AUTO_USER_SCOPES = ['task', 'pool'] as const;
export type AutoUserScope = (typeof AUTO_USER_SCOPES)[number];

export const ELEVATION_LEVELS = ['nonadmin', 'admin'] as const;
export type ElevationLevel = (typeof ELEVATION_LEVELS)[number];

export const OUTPUT_FILE_UPLOAD_CONDITIONS = ['tasksuccess', 'taskfailure', 'taskcompletion'] as const;
export type OutputFileUploadCondition = (typeof OUTPUT_FILE_UPLOAD_CONDITIONS)[number];

export const POOL_LIFETIME_OPTIONS = ['jobschedule', 'job'] as const;
export type PoolLifetimeOption = (typeof POOL_LIFETIME_OPTIONS)[number];

/** `containerSettings.workingDirectory` is the one camel-case enum of the API. */
export const CONTAINER_WORKING_DIRECTORIES = ['taskWorkingDirectory', 'containerImageDefault'] as const;
export type ContainerWorkingDirectory = (typeof CONTAINER_WORKING_DIRECTORIES)[number];

/** `authenticationTokenSettings.access`: the one value Batch defines grants the task's job. */
export const AUTHENTICATION_TOKEN_ACCESS = ['job'] as const;
export type AccessScope = (typeof AUTHENTICATION_TOKEN_ACCESS)[number];
