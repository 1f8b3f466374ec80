/**
 * What the store keeps: the wire entity as the API returns it (minus `url` and `odata.metadata`, which depend on
 * the URL the client used) plus internal fields that never reach the wire.
 */
import type {
  CloudJob,
  CloudJobSchedule,
  CloudPool,
  CloudTask,
  ComputeNode,
  JobPreparationTaskExecutionInformation,
  JobReleaseTaskExecutionInformation,
  RunUsage,
  StartTask,
  TaskFailureInformation,
} from '@batchite/protocol';

export interface PoolDoc {
  entity: CloudPool & { id: string };
  internal?: PoolInternal;
}

export interface PoolInternal {
  /** What happens to running tasks when the current resize removes nodes (default requeue). */
  nodeDeallocationOption?: string;
  /** Nodes the local node quota grants the pool when that is fewer than its target (allocation settles there). */
  grantedNodes?: number;
  /** Nodes a removenodes request named that are still to be removed (the provider stops these first). */
  removeNodes?: string[];
  /**
   * Set when a resize ended before its target (resizeTimeout reached, nodes that could not be started): allocation
   * is steady at this many nodes and no more are started until the next resize.
   */
  settledNodes?: number;
}

export interface NodeDoc {
  poolId: string;
  entity: ComputeNode & { id: string };
  internal: NodeInternal;
}

export interface NodeInternal {
  /** Secret the node's agent authenticates with (hash only). */
  tokenHash?: string;
  /** Total slots on the node (the pool's taskSlotsPerNode when it joined). */
  slots: number;
  /** The node's lease on all its tasks expires at this time (ms, injected clock) unless it heartbeats. */
  leaseExpiresAt?: number;
  /** The node's own file server, for nodes whose task directories the server cannot read (remote agents). */
  fileUrl?: string;
  /** Secret the server presents to that file server. */
  fileToken?: string;
  /** Most recent tasks run on the node, newest first (ComputeNode.recentTasks). */
  recentTaskKeys?: string[];
  /** A reboot or reimage was ordered (node-restart.ts): delivered with the heartbeats until it registers again. */
  restart?: { kind: 'reboot' | 'reimage'; option: string };
  /** Changes at every reimage (the node's disk is new): a job preparation that ran on an older one runs again. */
  imageId?: string;
  /** The pool's start task as it was when the node registered (this boot), when the pool had one. */
  startTask?: NodeStartTask;
  /** Instances of multi-instance tasks placed on the node (services/gang-runs.ts); the primary's is leased. */
  gangRuns?: GangRun[];
  /** The agent declared at its registration that it can create operating-system users (node user accounts). */
  manageUsers?: boolean;
  /** User accounts added with Compute Node - Add User (services/node-users.ts); never their passwords. */
  users?: NodeUserRecord[];
}

/** A node user account as the server knows it. The password is never stored, only whether one is set. */
export interface NodeUserRecord {
  name: string;
  isAdmin: boolean;
  /** ISO-8601 instant. */
  expiryTime: string;
  hasPassword: boolean;
  hasSshPublicKey: boolean;
  /** `adding` until the agent confirmed it created the account; then `present`. */
  status: 'adding' | 'present';
}

/** The start task of one boot of a node: its spec, and the run id the agent's reports must carry. */
export interface NodeStartTask {
  runId: string;
  spec: StartTask;
}

/** One instance of a multi-instance task reserved on a node. */
export interface GangRun {
  jobId: string;
  taskId: string;
  /** The placement's token (`TaskGang.token`): a later placement of the same task is a different run. */
  token: string;
  /** 0 is the primary (it holds the task's lease), 1..n-1 the subtasks. */
  instance: number;
}

export interface JobDoc {
  entity: CloudJob & { id: string };
  internal: JobInternal;
}

export interface JobInternal {
  /** The `disableTasks` option of the disable in progress. */
  disableTasks?: string;
  /** Random per job: binds job-scoped tokens to this job, not to a later job with the same id. */
  tokenNonce?: string;
  /** Per node id: the job preparation and release tasks that ran there (services/job-node-tasks.ts). */
  nodeTasks?: Record<string, JobNodeTasks>;
}

/** What the job's preparation and release tasks did on one node. */
export interface JobNodeTasks {
  poolId: string;
  /** The node registration (boot) the preparation last ran under: after a reboot it may have to run again. */
  boot?: string;
  prep?: JobPreparationTaskExecutionInformation;
  /** The job ended and the node owes it its release task (cleared when the node reports it started). */
  releaseOrdered?: boolean;
  /** When the release was ordered (ms, injected clock), to bound the wait for a node that never runs it. */
  releaseOrderedAt?: number;
  release?: JobReleaseTaskExecutionInformation;
}

export interface TaskDoc {
  jobId: string;
  entity: CloudTask & { id: string };
  internal: TaskInternal;
}

/** A running task is leased to one node; the node's heartbeat keeps all its leases alive. */
export interface TaskLease {
  poolId: string;
  nodeId: string;
  token: string;
  /** Slots the run holds on the node when more than requiredSlots (a job manager with runExclusive). */
  slots?: number;
}

export interface TaskInternal {
  /** Set while a node holds the task. */
  lease?: TaskLease;
  /** Earliest time (ms) the task may be scheduled again (Batchite retry-backoff extension). */
  notBefore?: number;
  /** Runs started so far (retries, requeues and recoveries included). */
  runs?: number;
  /** Times a lost node put the task back without spending a retry (not on the wire: Azure hides these). */
  recoveries?: number;
  /** The next run is a retry after a non-zero exit (sets executionInfo.lastRetryTime when it starts). */
  retryPending?: boolean;
  /** Set when the task completed with a failure whose exit options say `dependencyAction: satisfy`. */
  satisfiesDependents?: boolean;
  /** The job's manager task (jobManagerTask): scheduled first, may end the job when it completes. */
  jobManager?: boolean;
  /** Takes a whole node when it runs (the job manager's runExclusive). */
  exclusive?: boolean;
  /** The nodes and instances of a multi-instance task's current (or last) placement. */
  gang?: TaskGang;
  /** What the task's runs used, summed over its runs (TaskStatistics, services/statistics.ts). */
  usage?: TaskUsage;
}

/** Sums over a task's reported runs. */
export interface TaskUsage extends RunUsage {
  wallClockMs: number;
  /** ISO-8601: when the latest run was added. */
  lastUpdateTime: string;
}

/** A multi-instance task's placement: instance i runs on `instances[i]` (0 is the primary). */
export interface TaskGang {
  token: string;
  instances: GangInstance[];
  /** Every coordination command succeeded: the primary runs the application command next. */
  coordinated?: boolean;
  /** The application command was handed to the primary. */
  applicationStarted?: boolean;
}

export interface GangInstance {
  poolId: string;
  nodeId: string;
  /** The node's address at placement (AZ_BATCH_HOST_LIST). */
  ipAddress: string;
  /** `placed` until the node collects it; `running` from then until the task ends. */
  state: 'placed' | 'running' | 'completed';
  startTime?: string;
  /** When its coordination command ended. */
  coordinationEndTime?: string;
  exitCode?: number;
  failureInfo?: TaskFailureInformation;
}

export interface JobScheduleDoc {
  entity: CloudJobSchedule & { id: string };
  internal: JobScheduleInternal;
}

export interface JobScheduleInternal {
  /** Jobs created so far; the next one is `<id>:job-<jobCount + 1>`. */
  jobCount: number;
  /** When the next job is due (ms, injected clock); absent when the schedule creates no more jobs. */
  nextDueAt?: number;
}
