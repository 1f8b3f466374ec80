/**
 * Job schedules through the official SDK (`client.jobSchedule.*`, `job.listFromJobSchedule`) on a fake clock:
 * recurrence creates `<id>:job-<n>` at the due times, one active job at a time; a missed start window is
 * skipped; doNotRunAfter and non-recurring schedules complete once their job has; disable / enable / terminate /
 * delete; the Batch errors; schedules survive a restart and a run due while the server was down happens on start.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { FakeClock } from '@batchite/retry';
import { expectBatchError } from '../support/errors.js';
import { dropPostgresStore, usePostgres } from '../support/pg-store.js';
import { uniqueId } from '../support/ids.js';
import { rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { makeDataDir, removeDataDir, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const MINUTE = 60_000;
/** Starts 10 minutes behind real time, so up to 25 fake minutes stay within Shared Key's 15-minute skew. */
const startOfClock = () => Math.floor((Date.now() - 10 * MINUTE) / MINUTE) * MINUTE;

type JobSpecification = BatchServiceModels.JobSpecification;
/** A job with no tasks that ends as soon as it is created (zero tasks count as all complete). */
const ENDS_AT_ONCE: JobSpecification = {
  poolInfo: { poolId: 'no-nodes' },
  onAllTasksComplete: 'terminatejob',
};
/** A job with no tasks that stays active until terminated. */
const STAYS_ACTIVE: JobSpecification = { poolInfo: { poolId: 'no-nodes' } };

interface Harness {
  server: TestServer;
  clock: FakeClock;
  client: BatchServiceClient;
  /** Advances fake time, then lets the maintenance loop run a full round at the new time. */
  tick: (ms: number) => Promise<void>;
}

async function withHarness(
  work: (h: Harness) => Promise<void>,
  options: { dataDir?: string; clock?: FakeClock } = {},
) {
  const clock = options.clock ?? new FakeClock(startOfClock());
  const server = await startTestServer({ clock, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  const client = sdkClient(server, { retries: false });
  const tick = async (ms: number) => {
    await clock.sleeping();
    await clock.advance(ms);
    await clock.sleeping();
    await clock.advance(1000);
    await clock.sleeping();
  };
  try {
    await work({ server, clock, client, tick });
  } finally {
    await (options.dataDir ? server.stop() : server.dispose());
  }
}

async function jobIds(client: BatchServiceClient, scheduleId: string): Promise<string[]> {
  return (await client.job.listFromJobSchedule(scheduleId)).map((job) => job.id ?? '');
}

function waitForJobs(client: BatchServiceClient, scheduleId: string, count: number) {
  return waitFor(
    async () => {
      const ids = await jobIds(client, scheduleId);
      return ids.length >= count ? ids : undefined;
    },
    { what: `${count} jobs of ${scheduleId}` },
  );
}

function waitForScheduleState(client: BatchServiceClient, id: string, state: string) {
  return waitFor(
    async () => {
      const schedule = await client.jobSchedule.get(id);
      return schedule.state === state ? schedule : undefined;
    },
    { what: `schedule ${id} ${state}` },
  );
}

void describe('job schedules (fake clock)', () => {
  void it('recurrence creates <id>:job-<n> at the due times, from doNotRunUntil', async () => {
    await withHarness(async ({ clock, client, tick }) => {
      const id = uniqueId('sched');
      const start = clock.now();
      await client.jobSchedule.add({
        id,
        schedule: { doNotRunUntil: new Date(start + MINUTE), recurrenceInterval: 'PT5M' },
        jobSpecification: {
          ...ENDS_AT_ONCE,
          priority: 7,
          metadata: [{ name: 'from', value: 'spec' }],
          jobPreparationTask: { commandLine: '/bin/true' },
        },
        metadata: [{ name: 'team', value: 'a' }],
      });
      const added = await client.jobSchedule.get(id);
      assert.equal(added.state, 'active');
      assert.equal(added.executionInfo?.nextRunTime?.getTime(), start + MINUTE);
      assert.equal(added.executionInfo?.recentJob, undefined);
      assert.equal(added.schedule?.recurrenceInterval, 'PT5M');
      assert.deepEqual(await jobIds(client, id), []);

      await tick(MINUTE);
      assert.deepEqual(await waitForJobs(client, id, 1), [`${id}:job-1`]);
      const job = await client.job.get(`${id}:job-1`);
      assert.equal(job.poolInfo?.poolId, 'no-nodes');
      assert.equal(job.priority, 7, 'the job is added from jobSpecification like a direct job add');
      assert.deepEqual(job.metadata, [{ name: 'from', value: 'spec' }]);
      assert.equal(job.jobPreparationTask?.commandLine, '/bin/true');
      const afterFirst = await client.jobSchedule.get(id);
      assert.equal(afterFirst.executionInfo?.recentJob?.id, `${id}:job-1`);
      assert.match(afterFirst.executionInfo?.recentJob?.url ?? '', /\/jobs\/.+:job-1$/);
      assert.equal(afterFirst.executionInfo?.nextRunTime?.getTime(), start + 6 * MINUTE);

      await tick(4 * MINUTE);
      assert.deepEqual(await jobIds(client, id), [`${id}:job-1`], 'not due before the interval');
      await tick(MINUTE);
      assert.deepEqual(await waitForJobs(client, id, 2), [`${id}:job-1`, `${id}:job-2`]);
    });
  });

  void it('one active job at a time; a run whose start window passes meanwhile is skipped', async () => {
    await withHarness(async ({ clock, client, tick }) => {
      const id = uniqueId('sched');
      const start = clock.now();
      await client.jobSchedule.add({
        id,
        schedule: { recurrenceInterval: 'PT2M', startWindow: 'PT1M' },
        jobSpecification: STAYS_ACTIVE,
      });
      await waitForJobs(client, id, 1); // due at once: no doNotRunUntil
      await tick(2 * MINUTE);
      assert.deepEqual(await jobIds(client, id), [`${id}:job-1`], 'job-1 is still active');
      await tick(MINUTE); // the run due at +2 min is past its window now
      const skipped = await client.jobSchedule.get(id);
      assert.equal(skipped.executionInfo?.nextRunTime?.getTime(), start + 4 * MINUTE);
      await client.job.terminate(`${id}:job-1`);
      await tick(MINUTE);
      assert.deepEqual(await waitForJobs(client, id, 2), [`${id}:job-1`, `${id}:job-2`]);
    });
  });

  void it('completes once its last job has: no recurrence, or doNotRunAfter reached', async () => {
    await withHarness(async ({ clock, client, tick }) => {
      const once = uniqueId('once');
      await client.jobSchedule.add({ id: once, schedule: {}, jobSpecification: STAYS_ACTIVE });
      await waitForJobs(client, once, 1);
      await tick(1000);
      const running = await client.jobSchedule.get(once);
      assert.equal(running.state, 'active', 'active while its job is');
      assert.equal(running.executionInfo?.nextRunTime, undefined);
      await client.job.terminate(`${once}:job-1`);
      await tick(1000);
      const done = await waitForScheduleState(client, once, 'completed');
      assert.equal(done.previousState, 'active');
      assert.ok(done.executionInfo?.endTime);

      const bounded = uniqueId('bounded');
      const start = clock.now();
      await client.jobSchedule.add({
        id: bounded,
        schedule: { recurrenceInterval: 'PT1M', doNotRunAfter: new Date(start + 90_000) },
        jobSpecification: ENDS_AT_ONCE,
      });
      await waitForJobs(client, bounded, 1);
      await tick(MINUTE);
      await waitForJobs(client, bounded, 2);
      await tick(MINUTE);
      await waitForScheduleState(client, bounded, 'completed');
      assert.equal((await jobIds(client, bounded)).length, 2);
    });
  });

  void it('disable, enable, patch, update, terminate and delete', async () => {
    await withHarness(async ({ client, tick }) => {
      const id = uniqueId('sched');
      await client.jobSchedule.add({
        id,
        schedule: { recurrenceInterval: 'PT1M' },
        jobSpecification: ENDS_AT_ONCE,
      });
      await waitForJobs(client, id, 1);
      await client.jobSchedule.disable(id);
      const disabled = await client.jobSchedule.get(id);
      assert.equal(disabled.state, 'disabled');
      assert.equal(disabled.previousState, 'active');
      await tick(2 * MINUTE);
      assert.equal((await jobIds(client, id)).length, 1, 'a disabled schedule creates no job');
      await client.jobSchedule.patch(id, { metadata: [{ name: 'k', value: 'v' }] });
      assert.deepEqual((await client.jobSchedule.get(id)).metadata, [{ name: 'k', value: 'v' }]);
      await client.jobSchedule.enable(id);
      await waitForJobs(client, id, 2);

      await client.jobSchedule.update(id, { schedule: {}, jobSpecification: STAYS_ACTIVE });
      const updated = await client.jobSchedule.get(id);
      assert.equal(updated.metadata, undefined, 'update clears metadata it does not name');
      assert.equal(updated.schedule?.recurrenceInterval, undefined);
      const jobs = await waitForJobs(client, id, 3);
      const current = jobs.find((jobId) => jobId.endsWith(':job-3')) ?? '';
      assert.equal((await client.job.get(current)).state, 'active');

      await client.jobSchedule.terminate(id);
      await waitForScheduleState(client, id, 'completed');
      const ended = await client.job.get(current);
      assert.equal(ended.state, 'completed');
      assert.equal(ended.executionInfo?.terminateReason, 'TerminateJobSchedule');
      await expectBatchError(client.jobSchedule.disable(id), {
        statusCode: 409,
        code: 'JobScheduleCompleted',
      });
      await expectBatchError(client.jobSchedule.patch(id, { metadata: [] }), {
        statusCode: 409,
        code: 'JobScheduleCompleted',
      });

      await client.jobSchedule.deleteMethod(id);
      await waitFor(async () => !(await client.jobSchedule.exists(id)).body, { what: 'schedule gone' });
      await expectBatchError(client.job.get(current), { statusCode: 404, code: 'JobNotFound' });
    });
  });

  void it('answers the Batch errors', async () => {
    await withHarness(async ({ server, client }) => {
      const id = uniqueId('sched');
      const body = {
        id,
        schedule: { doNotRunUntil: new Date(Date.now() + 3_600_000) },
        jobSpecification: STAYS_ACTIVE,
      };
      await client.jobSchedule.add(body);
      await expectBatchError(client.jobSchedule.add({ ...body, id: id.toUpperCase() }), {
        statusCode: 409,
        code: 'JobScheduleExists',
      });
      await expectBatchError(client.jobSchedule.get('missing'), {
        statusCode: 404,
        code: 'JobScheduleNotFound',
      });
      assert.equal((await client.jobSchedule.exists('missing')).body, false);
      assert.equal((await client.jobSchedule.exists(id)).body, true);
      await expectBatchError(client.job.add({ id, poolInfo: { poolId: 'p' } }), {
        statusCode: 409,
        code: 'JobScheduleWithSameIdExists',
      });
      const jobId = uniqueId('job');
      await client.job.add({ id: jobId, poolInfo: { poolId: 'p' } });
      await expectBatchError(client.jobSchedule.add({ ...body, id: jobId }), {
        statusCode: 409,
        code: 'JobWithSameIdExists',
      });
      await expectBatchError(
        client.jobSchedule.add({ ...body, id: uniqueId('s'), schedule: { recurrenceInterval: 'PT30S' } }),
        { statusCode: 400, code: 'InvalidPropertyValue' },
      );
      await expectBatchError(
        client.jobSchedule.add({
          ...body,
          id: uniqueId('s'),
          jobSpecification: { ...STAYS_ACTIVE, networkConfiguration: { subnetId: 'x' } },
        }),
        { statusCode: 400, code: 'UnsupportedProperty' },
      );
      const missing = await rawRequest(server, {
        method: 'POST',
        path: '/jobschedules',
        body: { id: 'x', schedule: {} },
      });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /MissingRequiredProperty[\s\S]*jobSpecification/);
      const stale = (await client.jobSchedule.get(id)).eTag;
      await client.jobSchedule.patch(id, { metadata: [] });
      await expectBatchError(
        client.jobSchedule.update(
          id,
          { schedule: {}, jobSpecification: STAYS_ACTIVE },
          { jobScheduleUpdateOptions: { ifMatch: stale } },
        ),
        { statusCode: 412, code: 'ConditionNotMet' },
      );
      const listed = await client.jobSchedule.list({ jobScheduleListOptions: { filter: `id eq '${id}'` } });
      assert.deepEqual(
        listed.map((schedule) => schedule.id),
        [id],
      );
    });
  });

  void it('survives a restart; a run due while the server was down happens on start, a missed window is skipped', async () => {
    const dataDir = await makeDataDir();
    const clock = new FakeClock(startOfClock());
    const start = clock.now();
    const due = uniqueId('due');
    const missed = uniqueId('missed');
    try {
      await withHarness(
        async ({ client }) => {
          const later = new Date(start + 5 * MINUTE);
          await client.jobSchedule.add({
            id: due,
            schedule: { doNotRunUntil: later },
            jobSpecification: STAYS_ACTIVE,
          });
          await client.jobSchedule.add({
            id: missed,
            schedule: { doNotRunUntil: later, startWindow: 'PT1M', recurrenceInterval: 'PT10M' },
            jobSpecification: STAYS_ACTIVE,
          });
        },
        { dataDir, clock },
      );
      await clock.advance(7 * MINUTE); // the server is down
      await withHarness(
        async ({ client }) => {
          assert.deepEqual(await waitForJobs(client, due, 1), [`${due}:job-1`]);
          const skipped = await waitFor(
            async () => {
              const schedule = await client.jobSchedule.get(missed);
              return schedule.executionInfo?.nextRunTime?.getTime() === start + 15 * MINUTE
                ? schedule
                : undefined;
            },
            { what: 'the missed run skipped' },
          );
          assert.equal(skipped.state, 'active');
          assert.deepEqual(await jobIds(client, missed), []);
        },
        { dataDir, clock },
      );
    } finally {
      await removeDataDir(dataDir);
      if (usePostgres()) await dropPostgresStore(dataDir);
    }
  });
});
