/** PostgreSQL only: LISTEN/NOTIFY wake-ups between servers, and the LISTEN connection's reconnect. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@batchite/retry';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Client } from 'pg';
import { hasWorkNotifications, WorkListener } from '../../src/store/postgres/postgres-notifications.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { jobDoc, T0, taskDoc } from './fixtures.js';
import { cloneTestDatabase, type TestDatabase } from './pg-harness.js';

/** Counts wake-ups and lets a test wait for the n-th one. */
class WakeUps {
  count = 0;
  private waiters: { count: number; resolve: () => void }[] = [];
  readonly listener = () => {
    this.count++;
    for (const waiter of this.waiters.filter((w) => w.count <= this.count)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => w.count > this.count);
  };
  reached(count: number): Promise<void> {
    if (this.count >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

const TIMEOUT = { timeout: 15_000 };

describe('PostgresStore work notifications', () => {
  let database: TestDatabase;
  let writer: PostgresStore;
  let reader: PostgresStore;
  const clock = new FakeClock(T0);

  before(async () => {
    database = await cloneTestDatabase('notify');
    writer = await PostgresStore.open(database.url, clock);
    reader = await PostgresStore.open(database.url, clock);
    await writer.insertJob(jobDoc('j'));
  });
  after(async () => {
    await writer?.close();
    await reader?.close();
    await database?.drop();
  });

  it('is an optional capability the PostgreSQL store offers', () => {
    assert.ok(hasWorkNotifications(reader));
  });

  it('wakes another server when tasks are added, not when the add rolls back', TIMEOUT, async () => {
    const wakeUps = new WakeUps();
    const stop = reader.onWork(wakeUps.listener);
    await reader.listening();
    await assert.rejects(
      writer.addTasks('j', [taskDoc('j', 'refused')], () => {
        throw new Error('no');
      }),
    );
    await writer.addTasks('j', [taskDoc('j', 'a')], () => undefined);
    await wakeUps.reached(1);
    await writer.notifyWork();
    await wakeUps.reached(2);
    // Notifications arrive in commit order, so a wake-up from the rolled-back add would have come first.
    assert.equal(wakeUps.count, 2);
    stop();
  });

  it('wakes listeners when a task or its job becomes active again, and on notifyWork', TIMEOUT, async () => {
    const wakeUps = new WakeUps();
    const own = new WakeUps();
    const stops = [reader.onWork(wakeUps.listener), writer.onWork(own.listener)];
    await Promise.all([reader.listening(), writer.listening()]);
    await writer.addTasks('j', [taskDoc('j', 'b')], () => undefined);
    await wakeUps.reached(1);
    const setState = (state: 'running' | 'active') =>
      writer.mutateTask('j', 'b', (task) => ({
        next: { ...task, entity: { ...task.entity, state } },
        result: 0,
      }));
    await setState('running');
    await setState('active');
    await wakeUps.reached(2);
    const setJobState = (state: 'disabled' | 'active') =>
      writer.mutateJob('j', (job) => ({ next: { ...job, entity: { ...job.entity, state } }, result: 0 }));
    await setJobState('disabled');
    await setJobState('active');
    await wakeUps.reached(3);
    await reader.notifyWork();
    await wakeUps.reached(4);
    await own.reached(4);
    assert.equal(wakeUps.count, 4, 'a task starting or a job disabled is no reason to wake anyone');
    for (const stop of stops) stop();
  });

  it('reconnects its LISTEN connection through the retry policy after losing it', TIMEOUT, async () => {
    const wakeUps = new WakeUps();
    const stop = reader.onWork(wakeUps.listener);
    await reader.listening();
    const pid = reader.listenerPid;
    assert.ok(pid !== undefined);
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await wakeUps.reached(1); // the reconnect wakes everyone: notifications may have been missed meanwhile
    assert.notEqual(reader.listenerPid, pid);
    await writer.notifyWork();
    await wakeUps.reached(2);
    stop();
  });

  it('retries a LISTEN connection that cannot connect, waiting on the injected clock', TIMEOUT, async () => {
    // A port with nothing behind it yet; later a relay to PostgreSQL opens on it.
    const port = await freePort();
    const url = new URL(database.url);
    url.host = `127.0.0.1:${port}`;
    const listenClock = new FakeClock(T0);
    const errors: unknown[] = [];
    const listener = new WorkListener({
      connectionString: url.toString(),
      clock: listenClock,
      retry: { jitter: 'none', baseDelayMs: 100 },
      onError: (error) => errors.push(error),
    });
    let relay: { close(): void } | undefined;
    try {
      const wakeUps = new WakeUps();
      listener.subscribe(wakeUps.listener);
      await listenClock.sleeping();
      assert.deepEqual(listenClock.sleepLog, [100], 'the first retry waits the base delay');
      assert.equal((errors[0] as { code?: string }).code, 'ECONNREFUSED');
      relay = await relayTo(new URL(database.url), port);
      await listenClock.advance(100);
      await listener.listening();
      await writer.notifyWork();
      await wakeUps.reached(1);
    } finally {
      await listener.close();
      relay?.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A TCP relay from `port` to the PostgreSQL server of `target`; `close` also cuts its connections. */
function relayTo(target: URL, port: number): Promise<{ close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  const close = () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ close })));
}
