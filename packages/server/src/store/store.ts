/**
 * The store contract. Methods are named after what the service needs, not after tables; every business rule
 * (state machines, validation, defaults) lives above this interface so each adapter stays small.
 *
 * Rules every adapter follows:
 * - Ids are unique case-insensitively (`idKey`), stored and returned with the caller's casing.
 * - Every write stamps a fresh, globally unique `eTag` and `lastModified` (from the injected clock) on the
 *   document it writes. A write that returns has been committed durably.
 * - `mutate*` runs read-check-write atomically: the callback sees the current document and returns the next one
 *   (or `undefined` to write nothing) plus a result. It may throw (e.g. an ApiError); then nothing is written.
 *   Callbacks must be synchronous and free of I/O.
 * - Lists are ordered by id key; `afterKey` continues after the last key of the previous page.
 */
import type { JobDoc, JobScheduleDoc, NodeDoc, PoolDoc, TaskDoc } from './documents.js';
import type { NodeStateCount, NodeUsageRecord, NodeUsageStart } from './node-usage.js';
import type { TaskRangeSelection, TaskRangeSummary } from './task-ranges.js';
import type { UsageDelta, UsageTotals } from './usage-totals.js';

export interface Mutation<D, R> {
  next: D | undefined;
  result: R;
}

export type Mutator<D, R> = (current: D) => Mutation<D, R>;

export interface PageQuery {
  /** Continue after this id key (exclusive). */
  afterKey?: string;
  /** Upper bound on rows returned by one scan. */
  limit: number;
}

export interface TaskPageQuery extends PageQuery {
  /** Push-down of `state eq '…'`. */
  state?: string;
}

/** Per-state counts as the taskcounts API reports them (slots weighted by requiredSlots). */
export interface TaskStateCounts {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
  activeSlots: number;
  runningSlots: number;
  completedSlots: number;
  succeededSlots: number;
  failedSlots: number;
}

export interface ClaimRequest {
  poolId: string;
  nodeId: string;
  freeSlots: number;
  /** All slots of the node (an exclusive task needs every one free); defaults to freeSlots. */
  nodeSlots?: number;
  /** Injected clock, ms. */
  now: number;
}

/** Scheduler rules the store applies inside the claim transaction. All synchronous and free of I/O. */
export interface ClaimPolicy {
  /** How many more tasks of this job may start, given how many run now (Infinity when unlimited). */
  jobAllowance(job: JobDoc, running: number): number;
  /**
   * Whether the task may start; `lookup` reads a task of the same job inside the transaction, `range` says
   * whether every task start..end of the job (numeric ids, see task-ranges.ts) lets dependants run.
   */
  runnable(
    task: TaskDoc,
    job: JobDoc,
    lookup: (taskId: string) => TaskDoc | undefined,
    range: (start: number, end: number) => boolean,
  ): boolean;
  /** Slots the task takes on a node of `nodeSlots` slots (requiredSlots, or all of them when exclusive). */
  slotsOn(task: TaskDoc, nodeSlots: number): number;
  /** The task as it starts running on the node, holding `slots` (state, lease, executionInfo, nodeInfo). */
  start(task: TaskDoc, job: JobDoc, slots: number): TaskDoc;
}

/** What a node holds, counted inside a transaction from the tasks whose lease names it. */
export interface HeldTasks {
  tasks: number;
  /** Sum of the held tasks' requiredSlots. */
  slots: number;
}

/**
 * How a transaction that changes what a node holds (a claim, a finished run) keeps the node's document in step,
 * in the same transaction: the node row is locked first, its held tasks counted after the task writes.
 */
export interface NodeAccounting {
  poolId: string;
  nodeId: string;
  /**
   * The node's next document given what it holds (`finished`: the task whose run just ended, as written), or
   * `undefined` to write nothing. Synchronous, free of I/O; may be called more than once per transaction.
   */
  account(current: NodeDoc, held: HeldTasks, finished?: TaskDoc): NodeDoc | undefined;
}

export interface NodeClaimRequest {
  /** Injected clock, ms. */
  now: number;
  /** Slots to fill, given the node as accounted before the claim (0 or less claims nothing). */
  freeSlots(node: NodeDoc): number;
}

export interface NodeClaim {
  /** The node as written after the claim (or as stored, when its accounting changed nothing). */
  node: NodeDoc;
  tasks: TaskDoc[];
}

export interface GangRequest {
  poolId: string;
  /** Injected clock, ms. */
  now: number;
}

/** A gang task (a Batch multi-instance task) placed on its nodes. */
export interface GangPlacement {
  /** The task as written: started, held by `nodes[0]` (its primary). */
  task: TaskDoc;
  /** The nodes it took, as written at the end of the transaction; `nodes[i]` runs instance i. */
  nodes: NodeDoc[];
}

/** Scheduler rules for placing gang tasks (`placeGangTasks`). All synchronous and free of I/O. */
export interface GangPolicy extends Pick<ClaimPolicy, 'jobAllowance' | 'runnable'> {
  /** Distinct nodes the task needs at once (its numberOfInstances). */
  instances(task: TaskDoc): number;
  /** Whether the node can take one instance now, as this transaction has written it so far. */
  canHost(node: NodeDoc): boolean;
  /** The started task and each of `nodes` with its instance taken, in the same order. */
  place(task: TaskDoc, job: JobDoc, nodes: readonly NodeDoc[]): { task: TaskDoc; nodes: NodeDoc[] };
}

export interface RunCompletion<R> extends Mutation<TaskDoc, R> {
  /** The node after its accounting; undefined when the node is gone or the task was not written. */
  node?: NodeDoc;
}

export interface Store {
  /** Short name for logs and docs, e.g. `sqlite:/path/batchite.db`. */
  readonly description: string;

  insertPool(pool: PoolDoc): Promise<PoolDoc | undefined>;
  getPool(poolId: string): Promise<PoolDoc | undefined>;
  listPools(query: PageQuery): Promise<PoolDoc[]>;
  mutatePool<R>(poolId: string, mutator: Mutator<PoolDoc, R>): Promise<Mutation<PoolDoc, R> | undefined>;
  removePool(poolId: string): Promise<void>;

  insertNode(node: NodeDoc): Promise<NodeDoc | undefined>;
  getNode(poolId: string, nodeId: string): Promise<NodeDoc | undefined>;
  /** A node by id alone (node ids are unique across pools; agents address themselves by id). */
  findNode(nodeId: string): Promise<NodeDoc | undefined>;
  listNodes(poolId: string, query: PageQuery): Promise<NodeDoc[]>;
  mutateNode<R>(
    poolId: string,
    nodeId: string,
    mutator: Mutator<NodeDoc, R>,
  ): Promise<Mutation<NodeDoc, R> | undefined>;
  removeNode(poolId: string, nodeId: string): Promise<void>;

  /**
   * Inserts the job and, in the same transaction, its first tasks (the job manager task): both or neither.
   * Undefined when a job with the id exists.
   */
  insertJob(job: JobDoc, tasks?: readonly TaskDoc[]): Promise<JobDoc | undefined>;
  getJob(jobId: string): Promise<JobDoc | undefined>;
  listJobs(query: PageQuery): Promise<JobDoc[]>;
  /** Jobs in any of the given states (for background work such as finishing deletes after a restart). */
  listJobsInStates(states: readonly string[]): Promise<JobDoc[]>;
  mutateJob<R>(jobId: string, mutator: Mutator<JobDoc, R>): Promise<Mutation<JobDoc, R> | undefined>;
  /** Removes the job and all its tasks. */
  removeJob(jobId: string): Promise<void>;

  /** Undefined when a schedule with the id (case-insensitive) exists. */
  insertJobSchedule(schedule: JobScheduleDoc): Promise<JobScheduleDoc | undefined>;
  getJobSchedule(scheduleId: string): Promise<JobScheduleDoc | undefined>;
  listJobSchedules(query: PageQuery): Promise<JobScheduleDoc[]>;
  mutateJobSchedule<R>(
    scheduleId: string,
    mutator: Mutator<JobScheduleDoc, R>,
  ): Promise<Mutation<JobScheduleDoc, R> | undefined>;
  /** Removes the schedule record only (its jobs are deleted by the service first). */
  removeJobSchedule(scheduleId: string): Promise<void>;

  /**
   * Adds one run's counters to each of the totals named by `keys` (usage-totals.ts), creating the ones that do
   * not exist yet, in one transaction. Commits like execution progress (see `claimTasksForNode`).
   */
  addUsage(keys: readonly string[], delta: UsageDelta, now: string): Promise<void>;
  /** The totals that exist among `keys`. */
  getUsage(keys: readonly string[]): Promise<Map<string, UsageTotals>>;
  /** Forgets a total (a deleted job's or pool's; never the account's). */
  removeUsage(key: string): Promise<void>;

  /**
   * Adds tasks to a job in one transaction. Returns, per input task, the stored document, or `undefined` when
   * a task with the same id (case-insensitive) already exists — including an earlier one in the same batch.
   * `check` runs inside the transaction against the current job and may throw to reject the whole batch.
   */
  addTasks(
    jobId: string,
    tasks: readonly TaskDoc[],
    check: (job: JobDoc) => void,
  ): Promise<(TaskDoc | undefined)[]>;
  getTask(jobId: string, taskId: string): Promise<TaskDoc | undefined>;
  listTasks(jobId: string, query: TaskPageQuery): Promise<TaskDoc[]>;
  mutateTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
  ): Promise<Mutation<TaskDoc, R> | undefined>;
  removeTask(jobId: string, taskId: string): Promise<void>;
  countTasks(jobId: string): Promise<TaskStateCounts>;
  /** How the job's tasks with numeric ids start..end stand as parents: indexed counts, whatever the width. */
  summarizeTaskRange(jobId: string, start: number, end: number): Promise<TaskRangeSummary>;
  /** Up to `limit` numeric ids of the range's tasks in the selection, ascending. */
  listTaskRangeIds(
    jobId: string,
    start: number,
    end: number,
    selection: TaskRangeSelection,
    limit: number,
  ): Promise<number[]>;
  /** Tasks of every job by state (metrics). */
  countAllTasks(): Promise<Record<string, number>>;

  /**
   * Claims runnable tasks for a node in one transaction: active jobs of the node's pool by priority, their
   * active tasks in insertion order whose `notBefore` has passed. The policy (scheduler rules) decides what may
   * run and how a started task looks; the adapter only reads candidates and writes the started tasks.
   */
  claimTasks(request: ClaimRequest, policy: ClaimPolicy): Promise<TaskDoc[]>;
  /**
   * A node's claim in one transaction: accounts the node (its lease, its counts from what it holds), asks how
   * many slots to fill, claims like `claimTasks`, accounts the node again with the started tasks and writes it
   * once. Undefined when the node does not exist (nothing is claimed then).
   *
   * Execution progress (this and `completeTask`) commits without waiting for the disk: it survives a crash of
   * the server process, and is flushed with the next other write; only an OS crash or power loss can step it
   * back, to a state the lease machinery already handles (the run is redone, no retry spent). Every other
   * write — everything a Batch API call changes — is on disk before the call is answered. See
   * docs/task-semantics.md "Durability".
   */
  claimTasksForNode(
    node: NodeAccounting,
    request: NodeClaimRequest,
    policy: ClaimPolicy,
  ): Promise<NodeClaim | undefined>;
  /**
   * The end of a run on a node, in one transaction: `mutator` decides the task's next document (as in
   * `mutateTask`); when it writes one, the node is accounted with that task as `finished` and written too.
   * Undefined when the task does not exist.
   */
  completeTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
    node: NodeAccounting,
  ): Promise<RunCompletion<R> | undefined>;
  /**
   * Places gang tasks — active tasks with `multiInstanceSettings`, which the scheduler's claims pass over — of
   * the pool's active jobs in one transaction, by job priority then insertion order. A task is placed only when
   * `instances(task)` distinct nodes of the pool `canHost` it (the first ones in id order); then the task and
   * all of those nodes are written together, never some of them. A task that does not fit is passed over. The
   * pool's node rows are taken first, in id order, so two placements take turns instead of deadlocking and a
   * claim or completion on one of the nodes sees it as placed.
   */
  placeGangTasks(request: GangRequest, policy: GangPolicy): Promise<GangPlacement[]>;
  /** Whether any task of the job is in one of the states (cheaper than counting them all). */
  hasTasksInStates(jobId: string, states: readonly string[]): Promise<boolean>;
  /** Tasks whose lease is held by the node. */
  listTasksHeldBy(poolId: string, nodeId: string): Promise<TaskDoc[]>;
  /** Nodes whose lease expired before `now` and are not yet marked offline. */
  listNodesWithExpiredLease(now: number): Promise<NodeDoc[]>;
  /** Every node of every pool (the node provider reconciles them at start). */
  listAllNodes(): Promise<NodeDoc[]>;
  /** The nodes of the given pools counted by state and by dedicated / low-priority, in one query. */
  countNodesByState(poolIds: readonly string[]): Promise<NodeStateCount[]>;

  /**
   * Opens a usage record for a node that joined a pool; nothing happens when the node has one open already
   * (an agent registering again after a reboot stays in its pool).
   */
  openNodeUsage(start: NodeUsageStart): Promise<void>;
  /** Closes the node's open usage record at `endMs` (nothing happens when none is open). */
  closeNodeUsage(poolId: string, nodeId: string, endMs: number): Promise<void>;
  /** Usage records that overlap [fromMs, toMs): started before `toMs`, still open or ended after `fromMs`. */
  listNodeUsage(fromMs: number, toMs: number): Promise<NodeUsageRecord[]>;

  close(): Promise<void>;
}
