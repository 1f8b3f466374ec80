/**
 * The embedded store: one SQLite file through better-sqlite3 (synchronous, one writer), WAL journal and
 * `synchronous = FULL`, so a committed write is on disk before the API answers.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { idKey } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';
import type { JobDoc, NodeDoc, PoolDoc, TaskDoc } from '../documents.js';
import { formatEtag, stampDoc } from '../etag.js';
import type { Mutation, Mutator, PageQuery, Store, TaskPageQuery, TaskStateCounts } from '../store.js';
import { JobMissing } from '../store-errors.js';
import { addCounts, emptyTaskCounts } from '../task-counts.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

interface DocRow {
  doc: string;
}

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

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements;

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
    this.statements = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      nextEtag: db.prepare<[], { value: number }>(
        `UPDATE meta SET value = value + 1 WHERE key = 'etag_seq' RETURNING value`,
      ),
      insertPool: db.prepare(`INSERT OR IGNORE INTO pools (key, doc) VALUES (?, ?)`),
      getPool: db.prepare<[string], DocRow>(`SELECT doc FROM pools WHERE key = ?`),
      listPools: db.prepare<[string, number], DocRow>(
        `SELECT doc FROM pools WHERE key > ? ORDER BY key LIMIT ?`,
      ),
      updatePool: db.prepare(`UPDATE pools SET doc = ? WHERE key = ?`),
      removePool: db.prepare(`DELETE FROM pools WHERE key = ?`),
      removePoolNodes: db.prepare(`DELETE FROM nodes WHERE pool_key = ?`),
      insertNode: db.prepare(`INSERT OR IGNORE INTO nodes (pool_key, key, doc) VALUES (?, ?, ?)`),
      getNode: db.prepare<[string, string], DocRow>(`SELECT doc FROM nodes WHERE pool_key = ? AND key = ?`),
      listNodes: db.prepare<[string, string, number], DocRow>(
        `SELECT doc FROM nodes WHERE pool_key = ? AND key > ? ORDER BY key LIMIT ?`,
      ),
      updateNode: db.prepare(`UPDATE nodes SET doc = ? WHERE pool_key = ? AND key = ?`),
      removeNode: db.prepare(`DELETE FROM nodes WHERE pool_key = ? AND key = ?`),
      insertJob: db.prepare(`INSERT OR IGNORE INTO jobs (key, state, doc) VALUES (?, ?, ?)`),
      getJob: db.prepare<[string], DocRow>(`SELECT doc FROM jobs WHERE key = ?`),
      listJobs: db.prepare<[string, number], DocRow>(
        `SELECT doc FROM jobs WHERE key > ? ORDER BY key LIMIT ?`,
      ),
      updateJob: db.prepare(`UPDATE jobs SET state = ?, doc = ? WHERE key = ?`),
      removeJob: db.prepare(`DELETE FROM jobs WHERE key = ?`),
      removeJobTasks: db.prepare(`DELETE FROM tasks WHERE job_key = ?`),
      insertTask: db.prepare(
        `INSERT OR IGNORE INTO tasks (job_key, key, state, result, slots, doc) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      getTask: db.prepare<[string, string], DocRow>(`SELECT doc FROM tasks WHERE job_key = ? AND key = ?`),
      listTasks: db.prepare<[string, string, number], DocRow>(
        `SELECT doc FROM tasks WHERE job_key = ? AND key > ? ORDER BY key LIMIT ?`,
      ),
      listTasksInState: db.prepare<[string, string, string, number], DocRow>(
        `SELECT doc FROM tasks WHERE job_key = ? AND state = ? AND key > ? ORDER BY key LIMIT ?`,
      ),
      updateTask: db.prepare(
        `UPDATE tasks SET state = ?, result = ?, slots = ?, doc = ? WHERE job_key = ? AND key = ?`,
      ),
      removeTask: db.prepare(`DELETE FROM tasks WHERE job_key = ? AND key = ?`),
      countTasks: db.prepare<[string], { state: string; result: string | null; n: number; slots: number }>(
        `SELECT state, result, COUNT(*) AS n, SUM(slots) AS slots FROM tasks WHERE job_key = ? GROUP BY state, result`,
      ),
    };
  }

  private stamp<D extends { entity: object }>(doc: D): D {
    const seq = this.statements.nextEtag.get()?.value ?? 0;
    return stampDoc(doc, formatEtag(seq), this.clock.now());
  }

  /** Runs `mutator` on the parsed row inside one transaction and writes the result back. */
  private mutate<D extends { entity: object }, R>(
    read: () => DocRow | undefined,
    write: (doc: D) => void,
    mutator: Mutator<D, R>,
  ): Mutation<D, R> | undefined {
    return this.db.transaction(() => {
      const current = parse<D>(read());
      if (current === undefined) return undefined;
      const mutation = mutator(current);
      if (mutation.next === undefined) return mutation;
      const next = this.stamp(mutation.next);
      write(next);
      return { next, result: mutation.result };
    })();
  }

  insertPool(pool: PoolDoc): Promise<PoolDoc | undefined> {
    const stamped = this.db.transaction(() => {
      const doc = this.stamp(pool);
      const info = this.statements.insertPool.run(idKey(pool.entity.id), JSON.stringify(doc));
      if (info.changes === 0) throw new AlreadyExists();
      return doc;
    });
    return Promise.resolve(insertOrUndefined(stamped));
  }

  getPool(poolId: string): Promise<PoolDoc | undefined> {
    return Promise.resolve(parse<PoolDoc>(this.statements.getPool.get(idKey(poolId))));
  }

  listPools(query: PageQuery): Promise<PoolDoc[]> {
    const rows = this.statements.listPools.all(query.afterKey ?? '', query.limit);
    return Promise.resolve(rows.map((row) => JSON.parse(row.doc) as PoolDoc));
  }

  mutatePool<R>(poolId: string, mutator: Mutator<PoolDoc, R>): Promise<Mutation<PoolDoc, R> | undefined> {
    const key = idKey(poolId);
    return Promise.resolve(
      this.mutate<PoolDoc, R>(
        () => this.statements.getPool.get(key),
        (doc) => this.statements.updatePool.run(JSON.stringify(doc), key),
        mutator,
      ),
    );
  }

  removePool(poolId: string): Promise<void> {
    const key = idKey(poolId);
    this.db.transaction(() => {
      this.statements.removePoolNodes.run(key);
      this.statements.removePool.run(key);
    })();
    return Promise.resolve();
  }

  insertNode(node: NodeDoc): Promise<NodeDoc | undefined> {
    const stamped = this.db.transaction(() => {
      const doc = this.stamp(node);
      const info = this.statements.insertNode.run(
        idKey(node.poolId),
        idKey(node.entity.id),
        JSON.stringify(doc),
      );
      if (info.changes === 0) throw new AlreadyExists();
      return doc;
    });
    return Promise.resolve(insertOrUndefined(stamped));
  }

  getNode(poolId: string, nodeId: string): Promise<NodeDoc | undefined> {
    return Promise.resolve(parse<NodeDoc>(this.statements.getNode.get(idKey(poolId), idKey(nodeId))));
  }

  listNodes(poolId: string, query: PageQuery): Promise<NodeDoc[]> {
    const rows = this.statements.listNodes.all(idKey(poolId), query.afterKey ?? '', query.limit);
    return Promise.resolve(rows.map((row) => JSON.parse(row.doc) as NodeDoc));
  }

  mutateNode<R>(
    poolId: string,
    nodeId: string,
    mutator: Mutator<NodeDoc, R>,
  ): Promise<Mutation<NodeDoc, R> | undefined> {
    const poolKey = idKey(poolId);
    const key = idKey(nodeId);
    return Promise.resolve(
      this.mutate<NodeDoc, R>(
        () => this.statements.getNode.get(poolKey, key),
        (doc) => this.statements.updateNode.run(JSON.stringify(doc), poolKey, key),
        mutator,
      ),
    );
  }

  removeNode(poolId: string, nodeId: string): Promise<void> {
    this.statements.removeNode.run(idKey(poolId), idKey(nodeId));
    return Promise.resolve();
  }

  insertJob(job: JobDoc): Promise<JobDoc | undefined> {
    const stamped = this.db.transaction(() => {
      const doc = this.stamp(job);
      const info = this.statements.insertJob.run(
        idKey(job.entity.id),
        doc.entity.state ?? 'active',
        JSON.stringify(doc),
      );
      if (info.changes === 0) throw new AlreadyExists();
      return doc;
    });
    return Promise.resolve(insertOrUndefined(stamped));
  }

  getJob(jobId: string): Promise<JobDoc | undefined> {
    return Promise.resolve(parse<JobDoc>(this.statements.getJob.get(idKey(jobId))));
  }

  listJobs(query: PageQuery): Promise<JobDoc[]> {
    const rows = this.statements.listJobs.all(query.afterKey ?? '', query.limit);
    return Promise.resolve(rows.map((row) => JSON.parse(row.doc) as JobDoc));
  }

  listJobsInStates(states: readonly string[]): Promise<JobDoc[]> {
    if (states.length === 0) return Promise.resolve([]);
    const placeholders = states.map(() => '?').join(', ');
    const rows = this.db
      .prepare<string[], DocRow>(`SELECT doc FROM jobs WHERE state IN (${placeholders}) ORDER BY key`)
      .all(...states);
    return Promise.resolve(rows.map((row) => JSON.parse(row.doc) as JobDoc));
  }

  mutateJob<R>(jobId: string, mutator: Mutator<JobDoc, R>): Promise<Mutation<JobDoc, R> | undefined> {
    const key = idKey(jobId);
    return Promise.resolve(
      this.mutate<JobDoc, R>(
        () => this.statements.getJob.get(key),
        (doc) => this.statements.updateJob.run(doc.entity.state ?? 'active', JSON.stringify(doc), key),
        mutator,
      ),
    );
  }

  removeJob(jobId: string): Promise<void> {
    const key = idKey(jobId);
    this.db.transaction(() => {
      this.statements.removeJobTasks.run(key);
      this.statements.removeJob.run(key);
    })();
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
      return tasks.map((task) => {
        const doc = this.stamp(task);
        const info = this.statements.insertTask.run(...this.taskColumns(jobKey, doc));
        return info.changes === 0 ? undefined : doc;
      });
    });
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private taskColumns(jobKey: string, doc: TaskDoc): [string, string, string, string | null, number, string] {
    const entity = doc.entity;
    return [
      jobKey,
      idKey(entity.id),
      entity.state ?? 'active',
      entity.executionInfo?.result ?? null,
      entity.requiredSlots ?? 1,
      JSON.stringify(doc),
    ];
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
    return Promise.resolve(rows.map((row) => JSON.parse(row.doc) as TaskDoc));
  }

  mutateTask<R>(
    jobId: string,
    taskId: string,
    mutator: Mutator<TaskDoc, R>,
  ): Promise<Mutation<TaskDoc, R> | undefined> {
    const jobKey = idKey(jobId);
    const key = idKey(taskId);
    return Promise.resolve(
      this.mutate<TaskDoc, R>(
        () => this.statements.getTask.get(jobKey, key),
        (doc) => {
          const [, , state, result, slots, json] = this.taskColumns(jobKey, doc);
          this.statements.updateTask.run(state, result, slots, json, jobKey, key);
        },
        mutator,
      ),
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

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

class AlreadyExists extends Error {}

function insertOrUndefined<D>(transaction: () => D): D | undefined {
  try {
    return transaction();
  } catch (error) {
    if (error instanceof AlreadyExists) return undefined;
    throw error;
  }
}
