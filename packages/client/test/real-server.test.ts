/**
 * BatchClient against the real Batchite server (started in-process on port 0 with a temporary SQLite store, no
 * nodes): Shared Key verified by the server, paging, conflicts, state errors with explanations, bulk create.
 * The server is loaded from its build output at run time (the client has no dependency on it); when it has not been
 * built, the suite is skipped and says so.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BatchClient } from '../src/index.js';
import { rejection } from './helpers/rejection.js';

interface RunningServer {
  url: string;
  accountName: string;
  accountKey: string;
  close(): Promise<void>;
}
type StartServer = (options: { port: number; dataDir: string; logLevel: false }) => Promise<RunningServer>;

const serverEntry = fileURLToPath(new URL('../../../server/dist/src/index.js', import.meta.url));
const skip = existsSync(serverEntry) ? false : `server not built (${serverEntry})`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('BatchClient against the Batchite server', { skip }, () => {
  let server: RunningServer;
  let client: BatchClient;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'batchite-client-'));
    const { startServer } = (await import(serverEntry)) as { startServer: StartServer };
    server = await startServer({ port: 0, dataDir, logLevel: false });
    client = new BatchClient({
      endpoint: server.url,
      accountName: server.accountName,
      accountKey: server.accountKey,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
  });

  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates and reads a pool and a job; a second create is alreadyExists at once', async () => {
    const pool = { id: 'p1', vmSize: 'standard_d2s_v3', targetDedicatedNodes: 0 };
    assert.equal((await client.createPool(pool)).status, 'created');
    assert.equal(await client.poolExists('p1'), true);
    assert.equal(await client.poolExists('nope'), false);
    assert.equal((await client.getPool('p1')).id, 'p1');
    const created = await client.createJob({ id: 'j1', poolInfo: { poolId: 'p1' } });
    assert.equal(created.status, 'created');
    const job = await client.getJob('j1');
    assert.equal(job.state, 'active');
    assert.ok(job.eTag);
    const again = await rejection(client.createJob({ id: 'J1', poolInfo: { poolId: 'p1' } }));
    assert.equal(again.kind, 'alreadyExists');
    assert.equal(again.code, 'JobExists');
    assert.equal(again.attempts, 1);
    assert.ok(again.requestId);
  });

  it('job schedules: create, read, list their jobs, state changes; state errors explained', async () => {
    const schedule = { id: 's1', schedule: {}, jobSpecification: { poolInfo: { poolId: 'p1' } } };
    assert.equal((await client.createJobSchedule(schedule)).status, 'created');
    assert.equal(await client.jobScheduleExists('S1'), true);
    assert.equal(await client.jobScheduleExists('nope'), false);
    const again = await rejection(client.createJobSchedule(schedule));
    assert.equal(again.code, 'JobScheduleExists');
    assert.equal(again.kind, 'alreadyExists');
    const jobs = [];
    for (let tries = 0; jobs.length === 0 && tries < 200; tries++) {
      for await (const job of client.listJobsFromSchedule('s1')) jobs.push(job.id);
      if (jobs.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(jobs, ['s1:job-1']);
    assert.equal((await client.getJobSchedule('s1')).executionInfo?.recentJob?.id, 's1:job-1');
    const listed = [];
    for await (const item of client.listJobSchedules({ filter: "state eq 'active'" })) listed.push(item.id);
    assert.deepEqual(listed, ['s1']);
    await client.updateJobSchedule('s1', { metadata: [{ name: 'a', value: '1' }] });
    await client.disableJobSchedule('s1');
    assert.equal((await client.getJobSchedule('s1')).state, 'disabled');
    await client.enableJobSchedule('s1');
    await client.replaceJobSchedule('s1', { schedule: {}, jobSpecification: { poolInfo: { poolId: 'p1' } } });
    await client.terminateJobSchedule('s1');
    const done = await rejection(client.disableJobSchedule('s1'));
    assert.equal(done.kind, 'invalidOperation');
    assert.match(done.explanation ?? '', /job schedule s1 is (already completed|being terminated)/);
    await client.deleteJobSchedule('s1');
    // Its jobs go first, then the schedule: once it is gone no job of it is left (the next test counts jobs).
    for (let tries = 0; (await client.jobScheduleExists('s1')) && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await client.jobScheduleExists('s1'), false);
  });

  it('autoscale: enable evaluates at once, evaluate answers a run without applying it, disable', async () => {
    await client.createPool({ id: 'auto', vmSize: 'standard_d2s_v3', targetDedicatedNodes: 0 });
    const enabled = await client.enableAutoScale('auto', { autoScaleFormula: '$TargetDedicatedNodes = 2' });
    assert.equal(enabled.attempts, 1);
    assert.equal((await client.getPool('auto')).targetDedicatedNodes, 2);
    const run = await client.evaluateAutoScale('auto', '$TargetDedicatedNodes = 1 + 2');
    assert.match(run.results ?? '', /^\$TargetDedicatedNodes=3;/);
    assert.equal((await client.getPool('auto')).targetDedicatedNodes, 2, 'evaluate applies nothing');
    const syntax = await rejection(client.evaluateAutoScale('auto', '$TargetDedicatedNodes = ('));
    assert.equal(syntax.code, 'AutoScalingFormulaSyntaxError');
    assert.equal(syntax.attempts, 1, 'a 400 is not retried');
    assert.equal((await client.disableAutoScale('auto')).attempts, 1);
    assert.equal((await client.getPool('auto')).enableAutoScale, false);
  });

  it('pages through jobs with nextLink', async () => {
    for (const id of ['j2', 'j3', 'j4', 'j5']) await client.createJob({ id, poolInfo: { poolId: 'p1' } });
    const pages: number[] = [];
    for await (const page of client.listJobs({ maxResults: 2 }).byPage()) pages.push(page.items.length);
    assert.deepEqual(pages, [2, 2, 1]);
    const ids: string[] = [];
    for await (const job of client.listJobs({ filter: "id eq 'j3'" })) ids.push(job.id ?? '');
    assert.deepEqual(ids, ['j3']);
  });

  it('account lists: node counts page by pool, usage metrics, supported images, applications (404 notFound)', async () => {
    for (const id of ['acct-a', 'acct-b']) {
      await client.createPool({ id, vmSize: 'standard_d2s_v3', targetDedicatedNodes: 0 });
    }
    const pages = [];
    for await (const page of client.listPoolNodeCounts({ maxResults: 1 }).byPage()) pages.push(page.items);
    const ids = pages.flat().map((entry) => entry.poolId);
    assert.ok(ids.includes('acct-a') && ids.includes('acct-b'), ids.join());
    assert.ok(pages.every((items) => items.length <= 1) && pages.length >= 2);
    const [counts] = await collect(client.listPoolNodeCounts({ filter: "poolId eq 'acct-a'" }));
    assert.equal(counts?.dedicated?.total, 0);
    assert.deepEqual(
      await collect(client.listPoolUsageMetrics({ startTime: new Date(0), endTime: new Date() })),
      [],
    );
    const [image] = await collect(client.listSupportedImages());
    assert.equal(image?.osType, 'linux');
    assert.deepEqual(await collect(client.listApplications()), []);
    const missing = await rejection(client.getApplication('nope'));
    assert.equal(missing.code, 'ApplicationNotFound');
    assert.equal(missing.kind, 'notFound');
  });

  it('creates 1,000 tasks in chunks; sending them again is a conflict per task', async () => {
    const tasks = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, commandLine: `/bin/echo ${i}` }));
    const outcomes = await client.createTasks('j1', tasks, { concurrency: 4 });
    assert.ok(outcomes.every((o) => o.status === 'created'));
    let listed = 0;
    for await (const _task of client.listTasks('j1', { select: 'id' })) listed += 1;
    assert.equal(listed, 1000);
    const counts = await client.getJobTaskCounts('j1');
    assert.equal(counts.taskCounts.active, 1000);
    const again = await client.createTasks('j1', tasks.slice(0, 150));
    assert.ok(again.every((o) => o.status === 'failed' && o.error?.kind === 'alreadyExists'));
  });

  it('reports a stale If-Match as conditionNotMet and state errors with an explanation', async () => {
    const job = await client.getJob('j2');
    await client.updateJob('j2', { priority: 10 }, { ifMatch: job.eTag });
    const stale = await rejection(client.updateJob('j2', { priority: 20 }, { ifMatch: job.eTag }));
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.kind, 'conditionNotMet');
    await client.terminateJob('j2', { terminateReason: 'test' });
    const late = await rejection(client.createTask('j2', { id: 'late', commandLine: '/bin/true' }));
    assert.equal(late.kind, 'invalidOperation');
    assert.match(
      late.explanation ?? '',
      /^job j2 is (already completed|being terminated); add tasks applies to/,
    );
    assert.equal(late.attempts, 1);
  });

  it('signs every request the server accepts, including encoded file paths (404 FileNotFound)', async () => {
    const missing = await rejection(client.getTaskFile('j1', 't1', 'wd/nothing.txt'));
    assert.equal(missing.kind, 'notFound');
  });
});
