/**
 * Wire shapes of the node agent API (docs/node-api.md), shared by the server and the agent. Batchite extension:
 * not part of Azure Batch. Paths live under `/.batchite/`.
 */
import type { OutputFile } from './models/index.js';

export interface RegisterRequest {
  nodeId?: string;
  hostname: string;
  slots?: number;
  agentVersion: string;
  /** Where the node serves its task files, for nodes whose files the server cannot read directly. */
  fileUrl?: string;
  /**
   * The agent can create operating-system users for Compute Node - Add User (it runs as root and has
   * `useradd`). Absent = it cannot: the server refuses node user operations on it.
   */
  manageUsers?: boolean;
}

export interface RegisterResponse {
  nodeId: string;
  token: string;
  leaseMs: number;
  heartbeatMs: number;
  claimWaitMs: number;
  accountName: string;
  accountUrl: string;
  poolId: string;
  slots: number;
  /** Secret the server presents to the node's file server (`Authorization: BatchiteFiles <fileToken>`). */
  fileToken?: string;
  /** The pool's start task, when it has one: the agent runs it now (every registration is a boot). */
  startTask?: StartTaskOrder;
}

/** A pool's start task for the agent to run after it registered (docs/node-api.md "Start task"). */
export interface StartTaskOrder {
  /** Names this boot's run: reports carry it, and the server ignores reports of an earlier boot. */
  runId: string;
  commandLine: string;
  /** The start task's environment settings, then AZ_BATCH_ACCOUNT_NAME/_URL (no job or task id). */
  environment: Record<string, string>;
  runAs: TaskRunAs;
  /** Retries after a non-zero exit (−1 = unlimited). */
  maxTaskRetryCount: number;
  /** Whether the node takes tasks only after it succeeded (Batch `waitForSuccess`). */
  waitForSuccess: boolean;
  /** Downloaded into `startup/wd/` before each attempt's command starts (see `ResourceFileOrder`). */
  resourceFiles?: ResourceFileOrder[];
}

/**
 * `POST /.batchite/nodes/{nodeId}/starttask`: one attempt of the start task started (`running`) or ended
 * (`completed`). `retryCount` is the attempt's number of retries before it.
 */
export interface StartTaskReport {
  runId: string;
  state: 'running' | 'completed';
  startTime: string;
  endTime?: string;
  exitCode?: number;
  launchError?: { code: 'CommandProgramNotFound' | 'CommandLaunchFailed'; message: string };
  /** The command never started: a resource file could not be downloaded. */
  preProcessingError?: PreProcessingError;
  retryCount: number;
  /** Completed: no retry follows (succeeded, or retries used up). */
  final?: boolean;
}

export interface ClaimRequest {
  freeSlots: number;
  waitMs?: number;
}

export interface ClaimedTask {
  jobId: string;
  taskId: string;
  leaseToken: string;
  /** As the user wrote it; split into argv by the agent (no shell). */
  commandLine: string;
  /** Job common settings, task settings, then the node-independent AZ_BATCH_* variables. */
  environment: Record<string, string>;
  /** Kill the process this many ms after its start (absent = unlimited). */
  maxWallClockTimeMs?: number;
  requiredSlots: number;
  /** 1 for the first run, +1 for every retry or requeue; informational. */
  attempt: number;
  /** Who the process runs as, resolved by the server from the task's `userIdentity` and the pool's accounts. */
  runAs: TaskRunAs;
  /**
   * The job's preparation task, present whenever the job has one (the run then sees AZ_BATCH_JOB_PREP_DIR).
   * With `run: true` the task is `preparing`: the agent runs the preparation first (once per job and boot,
   * shared by every task of the job that waits for it) and starts the task only after it succeeded.
   */
  jobPreparation?: JobTaskOrder;
  /** Files to download into the working directory before the command starts (see `ResourceFileOrder`). */
  resourceFiles?: ResourceFileOrder[];
  /**
   * A multi-instance task's coordination run: its `commonResourceFiles`, downloaded into the task directory
   * (AZ_BATCH_TASK_SHARED_DIR) before the coordination command starts, on every instance.
   */
  commonResourceFiles?: ResourceFileOrder[];
  /** Files to upload after the process exited, before the run is reported (docs/storage.md). */
  outputFiles?: OutputFile[];
}

/**
 * One resource file as the agent downloads it: exactly one of `httpUrl` and `storageContainerUrl` (the server
 * turns `autoStorageContainerName` into a container URL with a short-lived read/list SAS of the linked storage
 * account; the node never sees the account key). `filePath` is relative to the working directory.
 */
export interface ResourceFileOrder {
  httpUrl?: string;
  storageContainerUrl?: string;
  blobPrefix?: string;
  filePath?: string;
  /** Octal, e.g. `0644`; default `0770` as on Batch Linux nodes. */
  fileMode?: string;
  /** The server already knows this file cannot be had: the run fails with this error, downloading nothing. */
  failure?: PreProcessingError;
}

/**
 * Why a run ended before its command started (a resource file could not be downloaded): the task's
 * `executionInfo.failureInfo`, as Batch reports a pre-processing error (no exit code, not retried).
 */
export interface PreProcessingError {
  category: 'usererror' | 'servererror';
  code: string;
  message: string;
  details?: { name: string; value: string }[];
}

/** A job preparation or release task for the agent to run (docs/node-api.md "Job preparation and release"). */
export interface JobTaskOrder {
  jobId: string;
  kind: 'jobPreparation' | 'jobRelease';
  /** The job's id for the task (`jobpreparation` / `jobrelease` unless the job names it). */
  taskId: string;
  commandLine: string;
  environment: Record<string, string>;
  /** Kill the process this many ms after its start (absent = unlimited). */
  maxWallClockTimeMs?: number;
  runAs: TaskRunAs;
  /** Preparation: retries after a non-zero exit (−1 = unlimited). */
  maxTaskRetryCount?: number;
  /** Preparation: whether the job's tasks wait for it to succeed (Batch `waitForSuccess`). */
  waitForSuccess?: boolean;
  /** Preparation: whether it must run before the task it came with (false: it already ran on this boot). */
  run?: boolean;
  resourceFiles?: ResourceFileOrder[];
}

/**
 * `POST /.batchite/nodes/{nodeId}/jobtask`: one attempt of a preparation or release task started (`running`)
 * or ended (`completed`). `retryCount` is the attempt's number of retries before it.
 */
export interface JobTaskReport {
  jobId: string;
  kind: 'jobPreparation' | 'jobRelease';
  state: 'running' | 'completed';
  startTime: string;
  endTime?: string;
  exitCode?: number;
  launchError?: { code: 'CommandProgramNotFound' | 'CommandLaunchFailed'; message: string };
  killedBy?: 'wallClock';
  preProcessingError?: PreProcessingError;
  retryCount: number;
  /** Completed preparation: no retry follows (succeeded, or retries used up). */
  final?: boolean;
}

/**
 * The identity of a task run. `auto`: the node's auto-user of that scope (one per pool, or one per task);
 * `account`: the pool user account `userName` (no password: Linux nodes do not need it).
 */
export type TaskRunAs =
  | { kind: 'auto'; scope: 'pool' | 'task'; elevationLevel: 'nonadmin' | 'admin' }
  | {
      kind: 'account';
      userName: string;
      elevationLevel: 'nonadmin' | 'admin';
      uid?: number;
      gid?: number;
    };

/** Answer of `GET /.batchite/pools/{poolId}/join-token` (Shared Key): the credential agents register with. */
export interface JoinTokenResponse {
  poolId: string;
  joinToken: string;
}

export interface ClaimResponse {
  tasks: ClaimedTask[];
  leaseExpiresAt: number;
}

export interface LeaseRef {
  jobId: string;
  taskId: string;
  leaseToken: string;
}

export interface HeartbeatRequest {
  running: LeaseRef[];
}

/**
 * Why the server wants a task stopped: `terminated` → kill, then report; `requeued`, `deleted`, `leaseLost` →
 * kill, do not report; `fault` (a killTask fault rule) → SIGKILL and report like an OS kill.
 */
export type CancelReason = 'terminated' | 'requeued' | 'deleted' | 'leaseLost' | 'fault';

export interface CancelOrder {
  jobId: string;
  taskId: string;
  /** The run the order is about; a newer run of the same task is not affected. */
  leaseToken: string;
  reason: CancelReason;
}

export interface HeartbeatResponse {
  leaseExpiresAt: number;
  cancel: CancelOrder[];
  /** Release tasks of ended jobs to run on this node (repeated until the node reports them started). */
  jobReleases?: JobTaskOrder[];
  /**
   * Reboot or reimage the node (Compute Node - Reboot/Reimage): stop every run, for `reimage` wipe the node's
   * directories, then register again under the same node id. Repeated until the node registers again.
   */
  restart?: NodeRestartOrder;
}

export interface NodeRestartOrder {
  kind: 'reboot' | 'reimage';
}

export interface CompletionReport extends LeaseRef {
  startTime: string;
  endTime: string;
  /** Process exit code; −(signal number) when a signal ended it. */
  exitCode?: number;
  launchError?: { code: 'CommandProgramNotFound' | 'CommandLaunchFailed'; message: string };
  /** The command never started: a resource file could not be downloaded. */
  preProcessingError?: PreProcessingError;
  /** The process ran, but one of its output files could not be uploaded (Batch's file upload error). */
  fileUploadError?: PreProcessingError;
  killedBy?: 'wallClock' | 'terminate';
  /** What the run's process tree used, when the node could measure it (docs/task-semantics.md "Statistics"). */
  usage?: RunUsage;
}

/**
 * Resources one run's process tree used, as Linux accounts them for a process and the descendants it waited for
 * (`getrusage(RUSAGE_CHILDREN)` CPU times; `/proc/<pid>/io` counters). All values are non-negative integers.
 */
export interface RunUsage {
  userCpuMs: number;
  kernelCpuMs: number;
  /** Bytes the tree caused to be fetched from storage (`read_bytes`). */
  readBytes: number;
  /** Bytes the tree caused to be sent to storage (`write_bytes`). */
  writeBytes: number;
  /** Read and write system calls (`syscr`, `syscw`): the nearest measure of I/O operations Linux keeps. */
  readOps: number;
  writeOps: number;
}

/** A completion that also asks for the next tasks: the slots the run frees, filled in the same exchange. */
export interface CompleteRequest extends CompletionReport {
  /** Free slots to fill right away (no waiting); absent or 0 = report only. */
  claimNext?: number;
}

export interface CompleteResponse {
  accepted: boolean;
  /** With `claimNext`: the tasks claimed for the freed slots (possibly none). */
  tasks?: ClaimedTask[];
  leaseExpiresAt?: number;
}

/**
 * One node user change for the agent to apply (Compute Node - Add User, Update User, Delete User). The password
 * travels only here, once: the server never stores it.
 */
export interface NodeUserOrder {
  /** Names the order in the agent's result. */
  orderId: string;
  action: 'add' | 'update' | 'delete';
  name: string;
  /** add: a member of the sudo group. */
  isAdmin?: boolean;
  /** add/update: the account expires after this instant (ISO-8601). */
  expiryTime?: string;
  /** add/update: absent = the account has no password (an update removes the old one). */
  password?: string;
  /** add/update: absent = no authorized key (an update removes the old one). */
  sshPublicKey?: string;
}

/** What applying a `NodeUserOrder` did on the node. */
export interface NodeUserResult {
  orderId: string;
  ok: boolean;
  /** Why it failed: `NodeUserExists` (an account of that name is there), `NodeUserNotFound`, or `Failed`. */
  code?: 'NodeUserExists' | 'NodeUserNotFound' | 'Failed';
  message?: string;
}

/**
 * `POST /.batchite/nodes/{nodeId}/users`: the agent hands in the results of the orders it applied and waits up
 * to `waitMs` (capped by `claimWaitMs`) for new ones (long poll).
 */
export interface NodeUsersRequest {
  results: NodeUserResult[];
  waitMs?: number;
}

export interface NodeUsersResponse {
  orders: NodeUserOrder[];
}
