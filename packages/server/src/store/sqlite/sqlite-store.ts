/**
 * The embedded store: one SQLite file through better-sqlite3 (synchronous, one writer), WAL journal and
 * `synchronous = FULL`, so a committed write is on disk before the API answers — except execution progress
 * (node claims and completions), committed with `synchronous = NORMAL` (see `withoutFsync`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { idKey } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import type { JobDoc, JobScheduleDoc, NodeDoc, PoolDoc, TaskDoc } from '../documents.js';
import { stampRange, type Stamp } from '../etag.js';
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
import { claimInTransaction } from './sqlite-claim.js';
import { placeGangsInTransaction } from './sqlite-gang.js';
import {
  claimForNodeInTransaction,
  completeInTransaction,
  writeStarted,
  type SqliteWriter,
} from './sqlite-node-runs.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { SqliteUsage } from './sqlite-usage.js';
import type { UsageDelta, UsageTotals } from '../usage-totals.js';
import { SqliteNodeUsage } from './sqlite-node-usage.js';
import type { NodeStateCount, NodeUsageRecord, NodeUsageStart } from '../node-usage.js';
import { listRangeIds, summarizeRange } from './sqlite-task-ranges.js';
import type { TaskRangeSelection, TaskRangeSummary } from '../task-ranges.js';
import { jobColumns, leaseNodeKey, nodeColumns, taskColumns } from '../columns.js';
import { prepareStatements, type DocRow, type Statements } from './sqlite-statements.js';

function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let index = applied; index < SQLITE_MIGRATIONS.length; index++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[index] as string);
      db.pragma(`user_version = ${index + 1}`);
    })();
  }
}

function parse<D>(row: DocRow | undefined): D | undefined {
  return row === undefined ? undefined : (JSON.parse(row.doc) as D);
}

function parseAll<D>(rows: DocRow[]): D[] {
  return rows.map((row) => JSON.parse(row.doc) as D);
}

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly writer: SqliteWriter;
  private readonly usage: SqliteUsage;
  private readonly nodeUsage: SqliteNodeUsage;

  constructor(
    readonly path: string,
    private readonly clock: Clock,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.description = `sqlite:${path}`;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.statements = prepareStatements(this.db);
    this.writer = { statements: this.statements, stamps: (count) => this.stamps(count) };
    this.usage = new SqliteUsage(this.db);
    this.nodeUsage = new SqliteNodeUsage(this.db);
  }

  /** Takes `count` eTags from the sequence in one statement; the returned stamp hands them out in order. */
  private stamps(count: number): Stamp {
    const last = this.statements.nextEtags.get(count)?.value ?? count;
    return stampRange(last - count + 1, this.clock.now());
  }

  private stamp<D extends { entity: object }>(doc: D): D {
    return this.stamps(1)(doc);
  }

  /** Runs `mutator` on the parsed row inside one transaction and writes the result back. */
  private mutate<D extends { entity: object }, R>(
    read: () => DocRow | undefined,
    write: (doc: D) => void,
    mutator: Mutator<D, R>,
  ): Promise<Mutation<D, R> | undefined> {
    const run = this.db.transaction(() => {
      const current = parse<D>(read());
      if (current === undefined) return undefined;
      const mutation = mutator(current);
      if (mutation.next === undefined) return mutation;
      const next = this.stamp(mutation.next);
      write(next);
      return { next, result: mutation.result };
    });
    return settle(run);
  }

  /** Inserts a stamped document; undefined when the key is taken. */
  private insert<D extends { entity: object }>(
    doc: D,
    write: (stamped: D) => number,
  ): Promise<D | undefined> {
    const run = this.db.transaction(() => {
      const stamped = this.stamp(doc);
      if (write(stamped) === 0) throw new AlreadyExists();
      return stamped;
    });
    return settle(() => {
      try {
        return run();
      } catch (error) {
        if (error instanceof AlreadyExists) return undefined;
        throw error;
      }
    });
  }

  insertPool(pool: PoolDoc): Promise<PoolDoc | undefined> {
    return this.insert(
      pool,
      (doc) => this.statements.insertPool.run(idKey(doc.entity.id), JSON.stringify(doc)).changes,
    );
  }

  getPool(poolId: string): Promise<PoolDoc | undefined> {
    return Promise.resolve(parse<PoolDoc>(this.statements.getPool.get(idKey(poolId))));
  }

  listPools(query: PageQuery): Promise<PoolDoc[]> {
    return Promise.resolve(
      parseAll<PoolDoc>(this.statements.listPools.all(query.afterKey ?? '', query.limit)),
    );
  }

  mutatePool<R>(poolId: string, mutator: Mutator<PoolDoc, R>): Promise<Mutation<PoolDoc, R> | undefined> {
    const key = idKey(poolId);
    return this.mutate<PoolDoc, R>(
      () => this.statements.getPool.get(key),
      (doc) => this.statements.updatePool.run(JSON.stringify(doc), key),
      mutator,
    );
  }

  removePool(poolId: string): Promise<void> {
    const key = idKey(poolId);
    return settle(
      this.db.transaction(() => {
        this.statements.removePoolNodes.run(key);
        this.statements.removePool.run(key);
      }),
    );
  }

  insertNode(node: NodeDoc): Promise<NodeDoc | undefined> {
    return this.insert(node, (doc) => this.statements.insertNode.run(nodeColumns(doc)).changes);
  }

  getNode(poolId: string, nodeId: string): Promise<NodeDoc | undefined> {
    return Promise.resolve(parse<NodeDoc>(this.statements.getNode.get(idKey(poolId), idKey(nodeId))));
  }

  listNodes(poolId: string, query: PageQuery): Promise<NodeDoc[]> {
    const rows = this.statements.listNodes.all(idKey(poolId), query.afterKey ?? '', query.limit);
    return Promise.resolve(parseAll<NodeDoc>(rows));
  }

  findNode(nodeId: string): Promise<NodeDoc | undefined> {
    return Promise.resolve(parse<NodeDoc>(this.statements.findNode.get(idKey(nodeId))));
  }

  listAllNodes(): Promise<NodeDoc[]> {
    return Promise.resolve(parseAll<NodeDoc>(this.statements.allNodes.all()));
  }

  listNodesWithExpiredLease(now: number): Promise<NodeDoc[]> {
    const nodes = parseAll<NodeDoc>(this.statements.expiredNodes.all(now));
    return Promise.resolve(nodes.filter((node) => node.entity.state !== 'offline'));
  }

  mutateNode<R>(
    poolId: string,
    nodeId: string,
    mutator: Mutator<NodeDoc, R>,
  ): Promise<Mutation<NodeDoc, R> | undefined> {
    return this.mutate<NodeDoc, R>(
      () => this.statements.getNode.get(idKey(poolId), idKey(nodeId)),
      (doc) => this.statements.updateNode.run(nodeColumns(doc)),
      mutator,
    );
  }

  removeNode(poolId: string, nodeId: string): Promise<void> {
    this.statements.removeNode.run(idKey(poolId), idKey(nodeId));
    return Promise.resolve();
  }

  countNodesByState(poolIds: readonly string[]): Promise<NodeStateCount[]> {
    return settle(() => this.nodeUsage.countByState(poolIds));
  }

  openNodeUsage(start: NodeUsageStart): Promise<void> {
    return settle(() => this.nodeUsage.openUsage(start));
  }

  closeNodeUsage(poolId: string, nodeId: string, endMs: number): Promise<void> {
    return settle(() => this.nodeUsage.closeUsage(poolId, nodeId, endMs));
  }

  listNodeUsage(fromMs: number, toMs: number): Promise<NodeUsageRecord[]> {
    return settle(() => this.nodeUsage.list(fromMs, toMs));
  }

  insertJob(job: JobDoc, tasks: readonly TaskDoc[] = []): Promise<JobDoc | undefined> {
    return this.insert(job, (doc) => {
      const changes = this.statements.insertJob.run(jobColumns(doc)).changes;
      if (changes > 0 && tasks.length > 0) this.writeTasks(idKey(doc.entity.id), tasks);
      return changes;
    });
  }

  getJob(jobId: string): Promise<JobDoc | undefined> {
    return Promise.resolve(parse<JobDoc>(this.statements.getJob.get(idKey(jobId))));
  }

  listJobs(query: PageQuery): Promise<JobDoc[]> {
    return Promise.resolve(parseAll<JobDoc>(this.statements.listJobs.all(query.afterKey ?? '', query.limit)));
  }

  listJobsInStates(states: readonly string[]): Promise<JobDoc[]> {
    if (states.length === 0) return Promise.resolve([]);
    const placeholders = states.map(() => '?').join(', ');
    const rows = this.db
      .prepare<string[], DocRow>(`SELECT doc FROM jobs WHERE state IN (${placeholders}) ORDER BY key`)
      .all(...states);
    return Promise.resolve(parseAll<JobDoc>(rows));
  }

  mutateJob<R>(jobId: string, mutator: Mutator<JobDoc, R>): Promise<Mutation<JobDoc, R> | undefined> {
    const key = idKey(jobId);
    return this.mutate<JobDoc, R>(
      () => this.statements.getJob.get(key),
      (doc) => this.statements.updateJob.run(jobColumns(doc)),
      mutator,
    );
  }

  removeJob(jobId: string): Promise<void> {
    const key = idKey(jobId);
    return settle(
      this.db.transaction(() => {
        this.statements.removeJobTasks.run(key);
        this.statements.removeJob.run(key);
      }),
    );
  }

  insertJobSchedule(schedule: JobScheduleDoc): Promise<JobScheduleDoc | undefined> {
    const write = (doc: JobScheduleDoc) =>
      this.statements.insertJobSchedule.run(idKey(doc.entity.id), JSON.stringify(doc)).changes;
    return this.insert(schedule, write);
  }

  getJobSchedule(scheduleId: string): Promise<JobScheduleDoc | undefined> {
    return Promise.resolve(parse<JobScheduleDoc>(this.statements.getJobSchedule.get(idKey(scheduleId))));
  }

  listJobSchedules(query: PageQuery): Promise<JobScheduleDoc[]> {
    const rows = this.statements.listJobSchedules.all(query.afterKey ?? '', query.limit);
    return Promise.resolve(parseAll<JobScheduleDoc>(rows));
  }

  mutateJobSchedule<R>(
    scheduleId: string,
    mutator: Mutator<JobScheduleDoc, R>,
  ): Promise<Mutation<JobScheduleDoc, R> | undefined> {
    const key = idKey(scheduleId);
    return this.mutate<JobScheduleDoc, R>(
      () => this.statements.getJobSchedule.get(key),
      (doc) => this.statements.updateJobSchedule.run(JSON.stringify(doc), key),
      mutator,
    );
  }

  addUsage(keys: readonly string[], delta: UsageDelta, now: string): Promise<void> {
    return settle(() => this.withoutFsync(() => this.usage.add(keys, delta, now)));
  }

  getUsage(keys: readonly string[]): Promise<Map<string, UsageTotals>> {
    return settle(() => this.usage.get(keys));
  }

  removeUsage(key: string): Promise<void> {
    return settle(() => this.usage.delete(key));
  }

  removeJobSchedule(scheduleId: string): Promise<void> {
    this.statements.removeJobSchedule.run(idKey(scheduleId));
    return Promise.resolve();
  }

  addTasks(
    jobId: string,
    tasks: readonly TaskDoc[],
    check: (job: JobDoc) => void,
  ): Promise<(TaskDoc | undefined)[]> {
    const jobKey = idKey(jobId);
    const run = this.db.transaction(() => {
      const job = parse<JobDoc>(this.statements.getJob.get(jobKey));
      if (job === undefined) throw new JobMissing();
      check(job);
      return this.writeTasks(jobKey, tasks);
    });
    return settle(run);
  }

  /** Inserts tasks in input order (inside the caller's transaction); undefined where the id is taken. */
  private writeTasks(jobKey: string, tasks: readonly TaskDoc[]): (TaskDoc | undefined)[] {
    const lastSeq = this.statements.nextTaskSeq.get(tasks.length)?.value ?? tasks.length;
    const stamp = this.stamps(tasks.length);
    return tasks.map((task, index) => {
      const doc = stamp(task);
      const seq = lastSeq - tasks.length + index + 1;
      const info = this.statements.insertTask.run({ ...taskColumns(jobKey, doc), seq });
      return info.changes === 0 ? undefined : doc;
    });
  }

  getTask(jobId: string, taskId: string): Promise<TaskDoc | undefined> {
    return Promise.resolve(parse<TaskDoc>(this.statements.getTask.get(idKey(jobId), idKey(taskId))));
  }

  listTasks(jobId: string, query: TaskPageQuery): Promise<TaskDoc[]> {
    const jobKey = idKey(jobId);
    const after = query.afterKey ?? '';
    const rows =
      query.state === undefined
        ? this.statements.listTasks.all(jobKey, after, query.limit)
        : this.statements.listTasksInState.all(jobKey, query.state, after, query.limit);
    return Promise.resolve(parseAll<TaskDoc>(rows));
  }

  private writeTask(jobKey: string, doc: TaskDoc): void {
    this.statements.updateTask.run(taskColumns(jobKey, doc));
  }

  mutateTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
  ): Promise<Mutation<TaskDoc, R> | undefined> {
    const jobKey = idKey(jobId);
    const key = idKey(taskId);
    return this.mutate<TaskDoc, R>(
      () => this.statements.getTask.get(jobKey, key),
      (doc) => this.writeTask(jobKey, doc),
      mutator,
    );
  }

  removeTask(jobId: string, taskId: string): Promise<void> {
    this.statements.removeTask.run(idKey(jobId), idKey(taskId));
    return Promise.resolve();
  }

  countTasks(jobId: string): Promise<TaskStateCounts> {
    const counts = emptyTaskCounts();
    for (const row of this.statements.countTasks.all(idKey(jobId))) {
      addCounts(counts, row.state, row.result, row.n, row.slots);
    }
    return Promise.resolve(counts);
  }

  summarizeTaskRange(jobId: string, start: number, end: number): Promise<TaskRangeSummary> {
    return Promise.resolve(summarizeRange(this.statements.ranges, idKey(jobId), start, end));
  }

  listTaskRangeIds(
    jobId: string,
    start: number,
    end: number,
    selection: TaskRangeSelection,
    limit: number,
  ): Promise<number[]> {
    return Promise.resolve(listRangeIds(this.statements.ranges, idKey(jobId), start, end, selection, limit));
  }

  countAllTasks(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const row of this.statements.countAllTasks.all()) counts[row.state] = row.n;
    return Promise.resolve(counts);
  }

  claimTasks(request: ClaimRequest, policy: ClaimPolicy): Promise<TaskDoc[]> {
    const run = this.db.transaction(() => {
      const started = claimInTransaction(this.statements, request, policy);
      return started.length === 0 ? [] : writeStarted(this.writer, started).tasks;
    });
    return settle(run);
  }

  claimTasksForNode(
    node: NodeAccounting,
    request: NodeClaimRequest,
    policy: ClaimPolicy,
  ): Promise<NodeClaim | undefined> {
    const claim = this.db.transaction(() => claimForNodeInTransaction(this.writer, node, request, policy));
    return settle(() => this.withoutFsync(claim));
  }

  placeGangTasks(request: GangRequest, policy: GangPolicy): Promise<GangPlacement[]> {
    const place = this.db.transaction(() => placeGangsInTransaction(this.writer, request, policy));
    return settle(place);
  }

  completeTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
    node: NodeAccounting,
  ): Promise<RunCompletion<R> | undefined> {
    const jobKey = idKey(jobId);
    const key = idKey(taskId);
    const complete = this.db.transaction(() =>
      completeInTransaction(this.writer, jobKey, key, mutator, node),
    );
    return settle(() => this.withoutFsync(complete));
  }

  /**
   * Runs an execution-progress transaction with `synchronous = NORMAL` (store.ts `claimTasksForNode`): its WAL
   * frames reach the OS at commit but are fsynced by the next FULL commit or checkpoint. WAL is append-only, so
   * after a power loss the file holds a prefix of the commits, never a mix.
   */
  private withoutFsync<T>(transaction: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return transaction();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  hasTasksInStates(jobId: string, states: readonly string[]): Promise<boolean> {
    if (states.length === 0) return Promise.resolve(false);
    const row = this.statements.taskInStates.get(idKey(jobId), JSON.stringify(states));
    return Promise.resolve(row !== undefined);
  }

  listTasksHeldBy(poolId: string, nodeId: string): Promise<TaskDoc[]> {
    return Promise.resolve(parseAll<TaskDoc>(this.statements.tasksHeldBy.all(leaseNodeKey(poolId, nodeId))));
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

class AlreadyExists extends Error {}

/** Runs synchronous store work and turns its outcome into a promise (errors become rejections). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
