/**
 * The peers of items 1–2, each running N trivial tasks with `slots` at once and timed from the first add to the
 * last completion: `xargs -P` (the machine's spawn limit), BullMQ (Redis) and graphile-worker (PostgreSQL), whose
 * workers spawn the same command from Node.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { cpuOf } from './server.mjs';
import { runTrivial, sh } from './stats.mjs';

export const REDIS = {
  host: process.env.BENCH_REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.BENCH_REDIS_PORT ?? 6379),
};
export const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `seq N | xargs -P slots -n 1 /bin/sh -c 'exit 0'` (the extra argument only becomes `$0`). */
export async function xargsRun(n, slots) {
  const before = await cpuOf();
  const started = performance.now();
  await sh(`seq ${n} | xargs -P ${slots} -n 1 /bin/sh -c 'exit 0'`);
  const ms = performance.now() - started;
  const after = await cpuOf();
  // CPU of xargs and every task it ran, per task.
  return { ms, rate: (n / ms) * 1000, cpuPerTask: (after.children - before.children) / n };
}

/** Node's own spawn limit: `slots` loops each spawning the trivial command and awaiting its exit. */
export async function nodeSpawnRun(n, slots) {
  let next = 0;
  const loop = async () => {
    while (next < n) {
      next += 1;
      await runTrivial();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: slots }, loop));
  const ms = performance.now() - started;
  return { ms, rate: (n / ms) * 1000 };
}

/** BullMQ: a Worker with `concurrency: slots` is waiting; N jobs are added with `addBulk` (chunks of 1,000). */
export async function bullmqRun(n, slots) {
  const { Queue, Worker } = await import('bullmq');
  const name = `batchite-bench-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection: REDIS });
  let done = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const worker = new Worker(
    name,
    async () => {
      const code = await runTrivial();
      if (code !== 0) throw new Error(`exit ${code}`);
    },
    { connection: REDIS, concurrency: slots },
  );
  worker.on('completed', () => {
    done += 1;
    if (done === n) finish(performance.now());
  });
  await worker.waitUntilReady();
  const started = performance.now();
  for (let first = 0; first < n; first += 1000) {
    const jobs = [];
    for (let i = first; i < Math.min(n, first + 1000); i++) jobs.push({ name: 'sh', data: { i } });
    await queue.addBulk(jobs);
  }
  const addMs = performance.now() - started;
  const ended = await finished;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const ms = ended - started;
  return { ms, addMs, rate: (n / ms) * 1000 };
}

/** graphile-worker's log lines: errors only (a failing job must not pass unseen). */
async function quietLogger() {
  const { Logger } = await import('graphile-worker');
  return new Logger(() => (level, message) => {
    if (level === 'error') console.error(`graphile-worker: ${message}`);
  });
}

/**
 * Runs `fn({ pgPool, logger, utils })` against a fresh database with graphile-worker's schema installed; the
 * pool is ended and the database dropped afterwards.
 */
export async function withGraphile(fn) {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const db = `batchite_bench_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(PG_URL);
  url.pathname = `/${db}`;
  const pgPool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  const onError = (error) => console.error(`graphile-worker pool: ${error.message}`);
  pgPool.on('error', onError);
  pgPool.on('connect', (client) => client.on('error', onError));
  try {
    const { makeWorkerUtils } = await import('graphile-worker');
    const logger = await quietLogger();
    const utils = await makeWorkerUtils({ pgPool, logger });
    try {
      await utils.migrate();
      return await fn({ pgPool, logger, utils });
    } finally {
      await utils.release();
    }
  } finally {
    await pgPool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${db}`);
    await admin.end();
  }
}

/** graphile-worker: `run()` with `concurrency: slots` is waiting; N jobs are added with `addJobs` (chunks of 1,000). */
export function graphileRun(n, slots) {
  return withGraphile(async ({ pgPool, logger, utils }) => {
    const { run } = await import('graphile-worker');
    let done = 0;
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    const runner = await run({
      pgPool,
      concurrency: slots,
      noHandleSignals: true,
      logger,
      taskList: {
        sh: async () => {
          const code = await runTrivial();
          if (code !== 0) throw new Error(`exit ${code}`);
        },
      },
    });
    runner.events.on('job:success', () => {
      done += 1;
      if (done === n) finish(performance.now());
    });
    const started = performance.now();
    for (let first = 0; first < n; first += 1000) {
      const specs = [];
      for (let i = first; i < Math.min(n, first + 1000); i++)
        specs.push({ identifier: 'sh', payload: { i } });
      await utils.addJobs(specs);
    }
    const addMs = performance.now() - started;
    const ended = await finished;
    await runner.stop();
    const ms = ended - started;
    return { ms, addMs, rate: (n / ms) * 1000 };
  });
}
