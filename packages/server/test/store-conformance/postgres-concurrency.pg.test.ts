/** PostgreSQL only: what several servers (or connections) doing the same thing at once must never break. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TaskDoc } from '../../src/store/documents.js';
import { jobDoc, T0, taskDoc, testPolicy } from './fixtures.js';
import { cloneTestDatabase, type TestDatabase } from './pg-harness.js';

const CLAIMERS = 20;

describe('PostgresStore under concurrency', () => {
  let database: TestDatabase;
  let store: PostgresStore;
  let second: PostgresStore;
  const clock = new FakeClock(T0);

  before(async () => {
    database = await cloneTestDatabase('concurrency');
  });
  beforeEach(async () => {
    await store?.close();
    await second?.close();
    await database.reset();
    // Enough connections that every call has its own: the calls really run side by side in the database.
    store = await PostgresStore.open(database.url, clock, { maxConnections: CLAIMERS + 2 });
    second = await PostgresStore.open(database.url, clock, { maxConnections: 4 });
  });
  after(async () => {
    await store?.close();
    await second?.close();
    await database?.drop();
  });

  async function jobWith(jobId: string, count: number, maxParallelTasks?: number): Promise<void> {
    await store.insertJob(jobDoc(jobId, maxParallelTasks === undefined ? {} : { maxParallelTasks }));
    const tasks = Array.from({ length: count }, (_, i) => taskDoc(jobId, `t${i}`));
    await store.addTasks(jobId, tasks, () => undefined);
  }

  const claim = (nodeId: string, freeSlots: number) =>
    store.claimTasks({ poolId: 'p', nodeId, freeSlots, now: T0 }, testPolicy('p', nodeId));

  it(`${CLAIMERS} concurrent claims over 200 tasks claim every task exactly once`, async () => {
    await jobWith('j', 200);
    const holder = new Map<string, string>();
    let rounds = 0;
    for (let taken = -1; taken !== 0; rounds++) {
      const results = await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claim(`n${i}`, 10)));
      taken = 0;
      results.forEach((tasks: TaskDoc[], i) => {
        for (const task of tasks) {
          assert.equal(holder.get(task.entity.id), undefined, `${task.entity.id} was claimed twice`);
          holder.set(task.entity.id, `n${i}`);
          taken++;
        }
      });
    }
    assert.equal(holder.size, 200);
    assert.equal(
      rounds,
      2,
      'the first round took everything: no claim locked more tasks than it could start',
    );
    for (const [taskId, nodeId] of holder) {
      assert.equal((await store.getTask('j', taskId))?.internal.lease?.nodeId, nodeId);
    }
    assert.equal((await store.countTasks('j')).running, 200);
  });

  it('concurrent claims never run more tasks of a job than its limit', async () => {
    await jobWith('limited', 50, 5);
    const results = await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claim(`n${i}`, 3)));
    assert.equal(results.flat().length, 5);
    assert.equal((await store.countTasks('limited')).running, 5);
  });

  it('concurrent mutations of one document lose no update, each with its own eTag', async () => {
    await store.insertJob(jobDoc('j', { priority: 0 }));
    const stores = [store, second];
    const mutations = await Promise.all(
      Array.from({ length: CLAIMERS }, (_, i) =>
        stores[i % 2]!.mutateJob('j', (job) => ({
          next: { ...job, entity: { ...job.entity, priority: job.entity.priority! + 1 } },
          result: job.entity.priority,
        })),
      ),
    );
    assert.equal((await store.getJob('j'))?.entity.priority, CLAIMERS);
    assert.deepEqual(
      mutations.map((m) => m?.result).sort((a, b) => a! - b!),
      Array.from({ length: CLAIMERS }, (_, i) => i),
      'each callback saw the previous write',
    );
    assert.equal(new Set(mutations.map((m) => m?.next?.entity.eTag)).size, CLAIMERS);
  });

  it('servers adding overlapping tasks at once store each id once', async () => {
    await store.insertJob(jobDoc('j'));
    const batch = (from: number) => Array.from({ length: 50 }, (_, i) => taskDoc('j', `t${from + i}`));
    const [a, b] = await Promise.all([
      store.addTasks('j', batch(0), () => undefined),
      second.addTasks('j', batch(25), () => undefined),
    ]);
    const stored = [...a, ...b].filter((doc) => doc !== undefined);
    assert.equal(stored.length, 75, 'the 25 shared ids went to one batch or the other');
    assert.equal((await store.countTasks('j')).active, 75);
  });
});
