/**
 * The shared store: PostgreSQL through `pg`, for several Batchite servers on one database. Same documents and
 * indexed columns as the SQLite store; eTags come from a database sequence (unique across servers), times from
 * the injected clock. Each `mutate*` is BEGIN; SELECT … FOR UPDATE; callback; UPDATE; COMMIT. Claims lock their
 * candidates `FOR UPDATE SKIP LOCKED` (postgres-claim.ts). Wake-ups travel by LISTEN/NOTIFY.
 */
import { idKey } from '@batchite/protocol';
import type { Clock, RetryOptions } from '@batchite/retry';
import { Pool, type PoolClient } from 'pg';
import type { JobDoc, JobScheduleDoc, NodeDoc, PoolDoc, TaskDoc } from '../documents.js';
import { formatEtag, stampDoc } from '../etag.js';
import { jobColumns, leaseNodeKey } from '../columns.js';
import type {
  ClaimPolicy,
  ClaimRequest,
  GangPlacement,
  GangPolicy,
  GangRequest,
  Mutation,
  Mutator,
  NodeAccounting,
  NodeClaim,
  NodeClaimRequest,
  PageQuery,
  RunCompletion,
  Store,
  TaskPageQuery,
  TaskStateCounts,
} from '../store.js';
import { JobMissing } from '../store-errors.js';
import { addCounts, emptyTaskCounts } from '../task-counts.js';
import { claimInTransaction } from './postgres-claim.js';
import {
  claimForNodeInTransaction,
  completeInTransaction,
  nodeValues,
  writeStarted,
  type PostgresWriter,
} from './postgres-node-runs.js';
import { placeGangsInTransaction } from './postgres-gang.js';
import { migrate } from './postgres-migrations.js';
import * as nodeUsage from './postgres-node-usage.js';
import type { NodeStateCount, NodeUsageRecord, NodeUsageStart } from '../node-usage.js';
import { WorkListener, type WorkNotifications } from './postgres-notifications.js';
import { SQL, type DocRow, type LockedRow } from './postgres-sql.js';
import { insertTaskRows, taskValues } from './postgres-task-rows.js';
import { listRangeIds, summarizeRange } from './postgres-task-ranges.js';
import type { TaskRangeSelection, TaskRangeSummary } from '../task-ranges.js';
import { addPostgresUsage, getPostgresUsage, removePostgresUsage } from './postgres-usage.js';
import type { UsageDelta, UsageTotals } from '../usage-totals.js';
import { inTransaction, rowsOf, type Statement } from './postgres-transaction.js';

/** Claims and completions commit without waiting for the WAL flush (store.ts `claimTasksForNode`). */
const EXECUTION_PROGRESS = { waitForDisk: false };

export interface PostgresStoreOptions {
  /** Most connections the store's pool opens (the LISTEN connection comes on top). @defaultValue `10` */
  maxConnections?: number;
  /** Overrides of the LISTEN reconnect policy. @defaultValue `DEFAULT_LISTEN_RETRY` */
  listenRetry?: RetryOptions;
  /** Told about each failed or lost connection (pool or LISTEN), e.g. to log it. @defaultValue ignore */
  onConnectionError?: (error: unknown) => void;
}

export const DEFAULT_POSTGRES_STORE_OPTIONS = Object.freeze({ maxConnections: 10 });

function parse<D>(row: DocRow | undefined): D | undefined {
  return row === undefined ? undefined : (JSON.parse(row.doc) as D);
}

function parseAll<D>(rows: DocRow[]): D[] {
  return rows.map((row) => JSON.parse(row.doc) as D);
}

/** `postgres://user@host:port/db` without the password, for logs. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}

export class PostgresStore implements Store, WorkNotifications {
  readonly description: string;
  private readonly listener: WorkListener;
  private closed = false;

  private constructor(
    url: string,
    private readonly pool: Pool,
    private readonly clock: Clock,
    options: PostgresStoreOptions,
  ) {
    this.description = describe(url);
    this.listener = new WorkListener({
      connectionString: url,
      clock,
      ...(options.listenRetry === undefined ? {} : { retry: options.listenRetry }),
      ...(options.onConnectionError === undefined ? {} : { onError: options.onConnectionError }),
    });
  }

  /** Connects and applies pending migrations (under an advisory lock, so servers may start together). */
  static async open(url: string, clock: Clock, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const max = options.maxConnections ?? DEFAULT_POSTGRES_STORE_OPTIONS.maxConnections;
    const pool = new Pool({ connectionString: url, max, keepAlive: true });
    // An idle connection that dies is dropped by the pool; without a handler the error would crash the process.
    pool.on('error', (error) => options.onConnectionError?.(error));
    try {
      await migrate(pool, clock.now());
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(url, pool, clock, options);
  }

  private stamp<D extends { entity: object }>(doc: D, etag: string | number): D {
    return stampDoc(doc, formatEtag(Number(etag)), this.clock.now());
  }

  private async nextEtag(): Promise<string> {
    const [row] = await rowsOf<{ etag: string }>(this.pool, SQL.nextEtags, [1]);
    if (row === undefined) throw new Error('the eTag sequence returned nothing');
    return row.etag;
  }

  /** Inserts a stamped document; undefined when the key is taken. */
  private async insert<D extends { entity: object }>(
    doc: D,
    statement: Statement,
    values: (stamped: D) => unknown[],
  ): Promise<D | undefined> {
    const stamped = this.stamp(doc, await this.nextEtag());
    const rows = await rowsOf(this.pool, statement, values(stamped));
    return rows.length === 0 ? undefined : stamped;
  }

  /**
   * BEGIN; lock the row (its SELECT also draws the eTag the write will carry); run the callback; write;
   * COMMIT. A callback that throws, or returns no next document, writes nothing. `write` also gets the state
   * the document had, to tell a transition from a rewrite.
   */
  private mutate<D extends { entity: object }, R>(
    lock: Statement,
    keys: string[],
    mutator: Mutator<D, R>,
    write: (client: PoolClient, next: D, previousState: string | undefined) => Promise<void>,
  ): Promise<Mutation<D, R> | undefined> {
    return inTransaction(this.pool, async (client) => {
      const [row] = await rowsOf<LockedRow>(client, lock, keys);
      if (row === undefined) return undefined;
      const current = JSON.parse(row.doc) as D;
      const previousState = (current.entity as { state?: string }).state;
      const mutation = mutator(current);
      if (mutation.next === undefined) return mutation;
      const next = this.stamp(mutation.next, row.etag);
      await write(client, next, previousState);
      return { next, result: mutation.result };
    });
  }

  private async list<D>(statement: Statement, values: unknown[]): Promise<D[]> {
    return parseAll<D>(await rowsOf<DocRow>(this.pool, statement, values));
  }

  private async one<D>(statement: Statement, values: unknown[]): Promise<D | undefined> {
    const [row] = await rowsOf<DocRow>(this.pool, statement, values);
    return parse<D>(row);
  }

  insertPool(pool: PoolDoc): Promise<PoolDoc | undefined> {
    return this.insert(pool, SQL.insertPool, (doc) => [idKey(doc.entity.id), JSON.stringify(doc)]);
  }

  getPool(poolId: string): Promise<PoolDoc | undefined> {
    return this.one(SQL.getPool, [idKey(poolId)]);
  }

  listPools(query: PageQuery): Promise<PoolDoc[]> {
    return this.list(SQL.listPools, [query.afterKey ?? '', query.limit]);
  }

  mutatePool<R>(poolId: string, mutator: Mutator<PoolDoc, R>): Promise<Mutation<PoolDoc, R> | undefined> {
    const key = idKey(poolId);
    return this.mutate<PoolDoc, R>(SQL.lockPool, [key], mutator, async (client, doc) => {
      await rowsOf(client, SQL.updatePool, [key, JSON.stringify(doc)]);
    });
  }

  removePool(poolId: string): Promise<void> {
    const key = idKey(poolId);
    return inTransaction(this.pool, async (client) => {
      await rowsOf(client, SQL.removePoolNodes, [key]);
      await rowsOf(client, SQL.removePool, [key]);
    });
  }

  addUsage(keys: readonly string[], delta: UsageDelta, now: string): Promise<void> {
    return addPostgresUsage(this.pool, keys, delta, now);
  }

  getUsage(keys: readonly string[]): Promise<Map<string, UsageTotals>> {
    return getPostgresUsage(this.pool, keys);
  }

  removeUsage(key: string): Promise<void> {
    return removePostgresUsage(this.pool, key);
  }

  insertJobSchedule(schedule: JobScheduleDoc): Promise<JobScheduleDoc | undefined> {
    return this.insert(schedule, SQL.insertJobSchedule, (doc) => [idKey(doc.entity.id), JSON.stringify(doc)]);
  }

  getJobSchedule(scheduleId: string): Promise<JobScheduleDoc | undefined> {
    return this.one(SQL.getJobSchedule, [idKey(scheduleId)]);
  }

  listJobSchedules(query: PageQuery): Promise<JobScheduleDoc[]> {
    return this.list(SQL.listJobSchedules, [query.afterKey ?? '', query.limit]);
  }

  mutateJobSchedule<R>(
    scheduleId: string,
    mutator: Mutator<JobScheduleDoc, R>,
  ): Promise<Mutation<JobScheduleDoc, R> | undefined> {
    const key = idKey(scheduleId);
    return this.mutate<JobScheduleDoc, R>(SQL.lockJobSchedule, [key], mutator, async (client, doc) => {
      await rowsOf(client, SQL.updateJobSchedule, [key, JSON.stringify(doc)]);
    });
  }

  async removeJobSchedule(scheduleId: string): Promise<void> {
    await rowsOf(this.pool, SQL.removeJobSchedule, [idKey(scheduleId)]);
  }

  insertNode(node: NodeDoc): Promise<NodeDoc | undefined> {
    return this.insert(node, SQL.insertNode, (doc) => nodeValues(doc));
  }

  getNode(poolId: string, nodeId: string): Promise<NodeDoc | undefined> {
    return this.one(SQL.getNode, [idKey(poolId), idKey(nodeId)]);
  }

  findNode(nodeId: string): Promise<NodeDoc | undefined> {
    return this.one(SQL.findNode, [idKey(nodeId)]);
  }

  listNodes(poolId: string, query: PageQuery): Promise<NodeDoc[]> {
    return this.list(SQL.listNodes, [idKey(poolId), query.afterKey ?? '', query.limit]);
  }

  listAllNodes(): Promise<NodeDoc[]> {
    return this.list(SQL.allNodes, []);
  }

  async listNodesWithExpiredLease(now: number): Promise<NodeDoc[]> {
    const nodes = await this.list<NodeDoc>(SQL.expiredNodes, [now]);
    return nodes.filter((node) => node.entity.state !== 'offline');
  }

  mutateNode<R>(
    poolId: string,
    nodeId: string,
    mutator: Mutator<NodeDoc, R>,
  ): Promise<Mutation<NodeDoc, R> | undefined> {
    return this.mutate<NodeDoc, R>(
      SQL.lockNode,
      [idKey(poolId), idKey(nodeId)],
      mutator,
      async (client, doc) => {
        await rowsOf(client, SQL.updateNode, nodeValues(doc));
      },
    );
  }

  async removeNode(poolId: string, nodeId: string): Promise<void> {
    await rowsOf(this.pool, SQL.removeNode, [idKey(poolId), idKey(nodeId)]);
  }

  countNodesByState(poolIds: readonly string[]): Promise<NodeStateCount[]> {
    return nodeUsage.countNodesByState(this.pool, poolIds);
  }

  openNodeUsage(start: NodeUsageStart): Promise<void> {
    return nodeUsage.openNodeUsage(this.pool, start);
  }

  closeNodeUsage(poolId: string, nodeId: string, endMs: number): Promise<void> {
    return nodeUsage.closeNodeUsage(this.pool, poolId, nodeId, endMs);
  }

  listNodeUsage(fromMs: number, toMs: number): Promise<NodeUsageRecord[]> {
    return nodeUsage.listNodeUsage(this.pool, fromMs, toMs);
  }

  async insertJob(job: JobDoc, tasks: readonly TaskDoc[] = []): Promise<JobDoc | undefined> {
    if (tasks.length === 0) return this.insert(job, SQL.insertJob, (doc) => jobValues(doc));
    const stamped = this.stamp(job, await this.nextEtag());
    return inTransaction(this.pool, async (client) => {
      if ((await rowsOf(client, SQL.insertJob, jobValues(stamped))).length === 0) return undefined;
      const jobKey = idKey(job.entity.id);
      await insertTaskRows(client, jobKey, tasks, (doc, etag) => this.stamp(doc, etag));
      await this.notifyIn(client);
      return stamped;
    });
  }

  getJob(jobId: string): Promise<JobDoc | undefined> {
    return this.one(SQL.getJob, [idKey(jobId)]);
  }

  listJobs(query: PageQuery): Promise<JobDoc[]> {
    return this.list(SQL.listJobs, [query.afterKey ?? '', query.limit]);
  }

  async listJobsInStates(states: readonly string[]): Promise<JobDoc[]> {
    if (states.length === 0) return [];
    return this.list(SQL.jobsInStates, [states]);
  }

  mutateJob<R>(jobId: string, mutator: Mutator<JobDoc, R>): Promise<Mutation<JobDoc, R> | undefined> {
    return this.mutate<JobDoc, R>(SQL.lockJob, [idKey(jobId)], mutator, async (client, doc, was) => {
      await rowsOf(client, SQL.updateJob, jobValues(doc));
      // An enabled job's tasks may run again.
      if (doc.entity.state === 'active' && was !== 'active') await this.notifyIn(client);
    });
  }

  /** Locks the job row first (the order every transaction takes), then deletes its tasks and itself. */
  removeJob(jobId: string): Promise<void> {
    const key = idKey(jobId);
    return inTransaction(this.pool, async (client) => {
      await rowsOf(client, SQL.lockJobForTasks, [key]);
      await rowsOf(client, SQL.removeJobTasks, [key]);
      await rowsOf(client, SQL.removeJob, [key]);
    });
  }

  addTasks(
    jobId: string,
    tasks: readonly TaskDoc[],
    check: (job: JobDoc) => void,
  ): Promise<(TaskDoc | undefined)[]> {
    const jobKey = idKey(jobId);
    return inTransaction(this.pool, async (client) => {
      const [row] = await rowsOf<DocRow>(client, SQL.lockJobForTasks, [jobKey]);
      if (row === undefined) throw new JobMissing();
      check(JSON.parse(row.doc) as JobDoc);
      const results = await insertTaskRows(client, jobKey, tasks, (doc, etag) => this.stamp(doc, etag));
      if (results.some((doc) => doc !== undefined)) await this.notifyIn(client);
      return results;
    });
  }

  getTask(jobId: string, taskId: string): Promise<TaskDoc | undefined> {
    return this.one(SQL.getTask, [idKey(jobId), idKey(taskId)]);
  }

  listTasks(jobId: string, query: TaskPageQuery): Promise<TaskDoc[]> {
    const jobKey = idKey(jobId);
    const after = query.afterKey ?? '';
    return query.state === undefined
      ? this.list(SQL.listTasks, [jobKey, after, query.limit])
      : this.list(SQL.listTasksInState, [jobKey, query.state, after, query.limit]);
  }

  mutateTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
  ): Promise<Mutation<TaskDoc, R> | undefined> {
    const jobKey = idKey(jobId);
    return this.mutate<TaskDoc, R>(
      SQL.lockTask,
      [jobKey, idKey(taskId)],
      mutator,
      async (client, doc, was) => {
        await rowsOf(client, SQL.updateTask, taskValues(jobKey, doc));
        // Requeued, retried or reactivated: runnable again.
        if (doc.entity.state === 'active' && was !== 'active') await this.notifyIn(client);
      },
    );
  }

  async removeTask(jobId: string, taskId: string): Promise<void> {
    await rowsOf(this.pool, SQL.removeTask, [idKey(jobId), idKey(taskId)]);
  }

  async countTasks(jobId: string): Promise<TaskStateCounts> {
    const counts = emptyTaskCounts();
    type CountRow = { state: string; result: string | null; n: number; slots: number };
    for (const row of await rowsOf<CountRow>(this.pool, SQL.countTasks, [idKey(jobId)])) {
      addCounts(counts, row.state, row.result, row.n, row.slots);
    }
    return counts;
  }

  summarizeTaskRange(jobId: string, start: number, end: number): Promise<TaskRangeSummary> {
    return summarizeRange(this.pool, idKey(jobId), start, end);
  }

  listTaskRangeIds(
    jobId: string,
    start: number,
    end: number,
    selection: TaskRangeSelection,
    limit: number,
  ): Promise<number[]> {
    return listRangeIds(this.pool, idKey(jobId), start, end, selection, limit);
  }

  async countAllTasks(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const row of await rowsOf<{ state: string; n: number }>(this.pool, SQL.countAllTasks, [])) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  /** What the node-run transactions (postgres-node-runs.ts) use of this store. */
  private readonly writer: PostgresWriter = {
    stamp: (doc, etag) => this.stamp(doc, etag),
    notifyIn: (client) => this.notifyIn(client),
  };

  claimTasks(request: ClaimRequest, policy: ClaimPolicy): Promise<TaskDoc[]> {
    return inTransaction(this.pool, async (client) =>
      writeStarted(client, this.writer, await claimInTransaction(client, request, policy)),
    );
  }

  claimTasksForNode(
    node: NodeAccounting,
    request: NodeClaimRequest,
    policy: ClaimPolicy,
  ): Promise<NodeClaim | undefined> {
    return inTransaction(
      this.pool,
      (client) => claimForNodeInTransaction(client, this.writer, node, request, policy),
      EXECUTION_PROGRESS,
    );
  }

  placeGangTasks(request: GangRequest, policy: GangPolicy): Promise<GangPlacement[]> {
    return inTransaction(this.pool, (client) =>
      placeGangsInTransaction(client, this.writer, request, policy),
    );
  }

  completeTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
    node: NodeAccounting,
  ): Promise<RunCompletion<R> | undefined> {
    const [jobKey, key] = [idKey(jobId), idKey(taskId)];
    return inTransaction(
      this.pool,
      (client) => completeInTransaction(client, this.writer, jobKey, key, mutator, node),
      EXECUTION_PROGRESS,
    );
  }

  async hasTasksInStates(jobId: string, states: readonly string[]): Promise<boolean> {
    if (states.length === 0) return false;
    const rows = await rowsOf(this.pool, SQL.taskInStates, [idKey(jobId), states]);
    return rows.length > 0;
  }

  listTasksHeldBy(poolId: string, nodeId: string): Promise<TaskDoc[]> {
    return this.list(SQL.tasksHeldBy, [leaseNodeKey(poolId, nodeId)]);
  }

  onWork(listener: () => void): () => void {
    return this.listener.subscribe(listener);
  }

  async notifyWork(): Promise<void> {
    await rowsOf(this.pool, SQL.notifyWork, []);
  }

  /** Resolves once this store LISTENs for wake-ups (tests; a server need not wait). */
  listening(): Promise<void> {
    return this.listener.listening();
  }

  /** The LISTEN connection's backend pid, while connected. */
  get listenerPid(): number | undefined {
    return this.listener.backendPid;
  }

  /** NOTIFY inside the transaction: PostgreSQL delivers it at COMMIT, and never after a rollback. */
  private async notifyIn(client: PoolClient): Promise<void> {
    await rowsOf(client, SQL.notifyWork, []);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.pool.end();
  }
}

function jobValues(doc: JobDoc): unknown[] {
  const c = jobColumns(doc);
  return [c.key, c.state, c.pool_key, c.priority, c.doc];
}
