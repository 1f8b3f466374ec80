/**
 * Autoscale through the official SDK (learn.microsoft.com/azure/batch/batch-automatic-scaling): a pool added
 * with a formula is evaluated at once, then every evaluation interval on the service clock (a fake clock here:
 * minutes pass in milliseconds); the runs set the pool's targets as a resize does. evaluateAutoScale answers a
 * run without applying it, disableAutoScale keeps the targets, syntax errors are 400 with the position.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { FakeClock } from '@batchite/retry';
import { startServer, type RunningServer } from '@batchite/server';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { dropPostgresStore, postgresStoreFor, usePostgres } from '../support/pg-store.js';
import { rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { makeDataDir, removeDataDir } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const MINUTE = 60_000;
/** Tasks pending, capped at 3: the pool follows the queue. */
const FOLLOW_QUEUE = '$TargetDedicatedNodes = min(3, $PendingTasks.GetSample(1));';

void describe('autoscale formulas on pools', () => {
  const clock = new FakeClock(Date.now());
  let dataDir = '';
  let server: RunningServer;
  let client: BatchServiceClient;

  before(async () => {
    dataDir = await makeDataDir();
    server = await startServer({
      port: 0,
      dataDir,
      logLevel: false,
      clock,
      ...(usePostgres() ? { store: await postgresStoreFor(dataDir) } : {}),
    });
    client = sdkClient(server, { retries: false, now: () => clock.now() });
  });

  after(async () => {
    await server.close();
    if (usePostgres()) await dropPostgresStore(dataDir);
    await removeDataDir(dataDir);
  });

  /** Lets service time pass a second at a time until `probe` holds (the maintenance loop sleeps on the clock). */
  async function advanceUntil<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
    return waitFor(
      async () => {
        await clock.advance(1000);
        return probe();
      },
      { what, timeoutMs: 20_000 },
    );
  }

  async function addTasks(poolId: string, count: number): Promise<string> {
    const jobId = uniqueId('job');
    await client.job.add({ id: jobId, poolInfo: { poolId } });
    await client.task.addCollection(
      jobId,
      Array.from({ length: count }, (_, i) => ({ id: `t${i}`, commandLine: '/bin/true' })),
    );
    return jobId;
  }

  void it('pool add evaluates at once; every interval the formula resizes the pool to the queue', async () => {
    const poolId = await addPool(client, {
      targetDedicatedNodes: undefined,
      enableAutoScale: true,
      autoScaleFormula: FOLLOW_QUEUE,
      autoScaleEvaluationInterval: 'PT5M',
    });
    const created = await client.pool.get(poolId);
    assert.equal(created.enableAutoScale, true);
    assert.equal(created.autoScaleEvaluationInterval, 'PT5M');
    assert.equal(created.targetDedicatedNodes, 0);
    assert.equal(
      created.autoScaleRun?.results,
      '$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue',
    );
    assert.equal(created.autoScaleRun?.timestamp.getTime(), clock.now());
    const jobId = await addTasks(poolId, 5);
    // Before the interval has passed nothing is evaluated again.
    await clock.advance(4 * MINUTE);
    assert.equal((await client.pool.get(poolId)).targetDedicatedNodes, 0);
    const resized = await advanceUntil(async () => {
      const pool = await client.pool.get(poolId);
      return pool.targetDedicatedNodes === 3 && pool;
    }, 'the interval evaluation to target 3 nodes');
    assert.equal(resized.allocationState, 'resizing', 'no nodes on this server: resizing towards 3');
    assert.match(resized.autoScaleRun?.results ?? '', /^\$TargetDedicatedNodes=3;/);
    const ranAt = resized.autoScaleRun!.timestamp.getTime();
    assert.ok(ranAt >= created.autoScaleRun.timestamp.getTime() + 5 * MINUTE, 'not before the interval');

    // The queue empties: the next run sets the target back to 0 and the pool is steady.
    await client.job.deleteMethod(jobId);
    await clock.advance(4 * MINUTE);
    const shrunk = await advanceUntil(async () => {
      const pool = await client.pool.get(poolId);
      return pool.targetDedicatedNodes === 0 && pool;
    }, 'the next evaluation to target 0 nodes');
    assert.equal(shrunk.allocationState, 'steady');
    // A manual resize of an autoscaled pool is refused.
    await expectBatchError(client.pool.resize(poolId, { targetDedicatedNodes: 1 }), {
      statusCode: 409,
      code: 'OperationInvalidForCurrentState',
    });
  });

  void it('evaluateAutoScale answers the run without applying it; GetSample history is the 30 s samples', async () => {
    const poolId = await addPool(client, {
      targetDedicatedNodes: undefined,
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = 0',
    });
    await addTasks(poolId, 2);
    await clock.advance(10 * MINUTE);
    const run = await client.pool.evaluateAutoScale(
      poolId,
      `percent = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 10);
       samples = $PendingTasks.Count();
       $TargetDedicatedNodes = max($PendingTasks.GetSample(1)) * 2;
       $NodeDeallocationOption = taskcompletion;`,
    );
    assert.equal(run.error, undefined);
    assert.match(
      run.results ?? '',
      /^\$TargetDedicatedNodes=4;\$TargetLowPriorityNodes=0;\$NodeDeallocationOption=taskcompletion;percent=\d+(\.\d+)?;samples=\d+$/,
    );
    const pool = await client.pool.get(poolId);
    assert.equal(pool.targetDedicatedNodes, 0, 'evaluate does not apply the formula');
    assert.notEqual(pool.autoScaleRun?.results, run.results);

    // A run-time error is an answer too: code, message and the position in values.
    const failed = await client.pool.evaluateAutoScale(
      poolId,
      '$TargetDedicatedNodes = avg($PendingTasks.GetSample(TimeInterval_Hour * 2, 90));',
    );
    assert.equal(failed.results, undefined);
    assert.equal(failed.error?.code, 'InsufficientSampleData');
    assert.match(
      failed.error?.values?.[0]?.value ?? '',
      /^Line 1, Col 29: Insufficient data from data set: \$PendingTasks wanted 90%/,
    );
  });

  void it('enableAutoScale on a pool, changing the formula; disableAutoScale keeps the targets', async () => {
    const poolId = await addPool(client, { targetDedicatedNodes: 0 });
    await expectBatchError(client.pool.evaluateAutoScale(poolId, '$TargetDedicatedNodes = 1'), {
      statusCode: 409,
      code: 'OperationInvalidForCurrentState',
    });
    const enabled = await client.pool.enableAutoScale(poolId, {
      autoScaleFormula: '$TargetDedicatedNodes = 2',
    });
    assert.equal(enabled._response.status, 200);
    let pool = await client.pool.get(poolId);
    assert.equal(pool.targetDedicatedNodes, 2, 'evaluated when enabled');
    assert.equal(pool.autoScaleEvaluationInterval, 'PT15M', 'the default interval');
    await client.pool.enableAutoScale(poolId, { autoScaleEvaluationInterval: 'PT10M' });
    pool = await client.pool.get(poolId);
    assert.equal(pool.autoScaleFormula, '$TargetDedicatedNodes = 2', 'an absent formula is kept');
    assert.equal(pool.autoScaleEvaluationInterval, 'PT10M');
    await client.pool.enableAutoScale(poolId, {
      autoScaleFormula: '$TargetDedicatedNodes = 1; $TargetLowPriorityNodes = 1',
    });
    pool = await client.pool.get(poolId);
    assert.deepEqual([pool.targetDedicatedNodes, pool.targetLowPriorityNodes], [1, 1]);

    const disabled = await client.pool.disableAutoScale(poolId);
    assert.equal(disabled._response.status, 200);
    pool = await client.pool.get(poolId);
    assert.equal(pool.enableAutoScale, false);
    assert.deepEqual([pool.targetDedicatedNodes, pool.targetLowPriorityNodes], [1, 1], 'targets kept');
    assert.equal(pool.autoScaleFormula, undefined);
    assert.equal(pool.autoScaleRun, undefined);
    await clock.advance(20 * MINUTE);
    assert.equal((await client.pool.get(poolId)).targetDedicatedNodes, 1, 'no evaluation after disable');
    // No node joins this pool: after its resizeTimeout (PT15M) the resize ends, steady with what it reached.
    const timedOut = await waitFor(async () => {
      const current = await client.pool.get(poolId);
      return current.allocationState === 'steady' ? current : undefined;
    });
    assert.deepEqual(
      timedOut.resizeErrors?.map((error) => error.code),
      ['AllocationTimedout'],
    );
    await client.pool.resize(poolId, { targetDedicatedNodes: 0 });
  });

  void it('a syntax error is 400 AutoScalingFormulaSyntaxError with line and column; Batch rules for add', async () => {
    const poolId = await addPool(client, {
      targetDedicatedNodes: undefined,
      enableAutoScale: true,
      autoScaleFormula: '$TargetDedicatedNodes = 0',
    });
    for (const call of [
      () => client.pool.evaluateAutoScale(poolId, 'a = 1;\n$TargetDedicatedNodes = (a + ;'),
      () =>
        client.pool.enableAutoScale(poolId, { autoScaleFormula: 'a = 1;\n$TargetDedicatedNodes = (a + ;' }),
      () =>
        addPool(client, {
          targetDedicatedNodes: undefined,
          enableAutoScale: true,
          autoScaleFormula: 'a = 1;\n$TargetDedicatedNodes = (a + ;',
        }),
    ]) {
      const error = await expectBatchError(call(), {
        statusCode: 400,
        code: 'AutoScalingFormulaSyntaxError',
      });
      assert.match(JSON.stringify(error.body), /Line 2, Col 30: expected an expression but found \\";\\"/);
    }
    const refusals: Array<[object, number, string]> = [
      [{ targetDedicatedNodes: undefined, enableAutoScale: true }, 400, 'MissingRequiredProperty'],
      [
        { enableAutoScale: true, autoScaleFormula: '$TargetDedicatedNodes=1', targetDedicatedNodes: 1 },
        400,
        'InvalidAutoScalingSettings',
      ],
      [
        { targetDedicatedNodes: undefined, autoScaleFormula: '$TargetDedicatedNodes=1' },
        400,
        'InvalidAutoScalingSettings',
      ],
      [
        {
          enableAutoScale: true,
          autoScaleFormula: '$TargetDedicatedNodes=1',
          autoScaleEvaluationInterval: 'PT4M',
        },
        400,
        'InvalidPropertyValue',
      ],
      [
        {
          enableAutoScale: true,
          autoScaleFormula: '$TargetDedicatedNodes=1',
          autoScaleEvaluationInterval: 'PT169H',
        },
        400,
        'InvalidPropertyValue',
      ],
      [
        { enableAutoScale: true, autoScaleFormula: `a = 1;${' '.repeat(8200)}` },
        400,
        'AutoScalingFormulaTooLong',
      ],
    ];
    for (const [extra, statusCode, code] of refusals) {
      await expectBatchError(addPool(client, { targetDedicatedNodes: undefined, ...extra }), {
        statusCode,
        code,
      });
    }
    const raw = await rawRequest(server, {
      ocpDate: new Date(clock.now()).toUTCString(),
      method: 'POST',
      path: `/pools/${poolId}/evaluateautoscale`,
      body: {},
    });
    assert.equal(raw.status, 400);
    assert.match(raw.text, /MissingRequiredProperty/);
  });
});
