/**
 * The Azure CLI against Batchite: `az batch` (Debian's azure-cli 2.45, whose Python `azure-batch` SDK sends
 * api-version 2022-10-01.16.0) with Shared Key on a plain http endpoint, no ARM and no login. Any command that
 * fails here is a compatibility bug of the server. Skipped, with the reason, where `az` is not installed and cannot
 * be (scripts/ensure-azure-cli.sh).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { azureCli, azureCliMissing, type AzResult, type AzureCli } from '../support/azure-cli.js';
import { withServer } from '../support/server.js';

const POOL = 'az-pool';
const JOB = 'az-job';
const SCHEDULE = 'az-schedule';
const IMAGE = 'canonical:0001-com-ubuntu-server-jammy:22_04-lts';

type Json = Record<string, unknown>;

void describe('az batch', { skip: azureCliMissing() }, () => {
  const ctx = withServer();
  let az: AzureCli;

  before(() => {
    az = azureCli(ctx.server);
  });
  after(() => az.dispose());

  /** Runs `az batch …` and insists it succeeded. */
  async function ok(...args: string[]): Promise<AzResult> {
    const result = await az.batch(...args);
    assert.equal(result.code, 0, `az batch ${args.join(' ')} failed:\n${result.stderr}`);
    return result;
  }

  async function okJson<T = Json>(...args: string[]): Promise<T> {
    const { json, stdout } = await ok(...args);
    assert.ok(json !== undefined, `az batch ${args.join(' ')} printed no JSON: ${stdout}`);
    return json as T;
  }

  void it('pool create, list (also with --account-* flags instead of the variables), show', async () => {
    await ok(
      ...['pool', 'create', '--id', POOL, '--vm-size', 'standard_d2s_v3', '--image', IMAGE],
      ...['--node-agent-sku-id', 'batch.node.ubuntu 22.04', '--target-dedicated-nodes', '0'],
    );
    const pools = await okJson<Json[]>('pool', 'list');
    assert.ok(pools.some((p) => p.id === POOL));
    const flagged = await okJson<Json[]>(
      ...['pool', 'list', '--account-name', ctx.server.accountName],
      ...['--account-key', ctx.server.accountKey, '--account-endpoint', ctx.server.url],
    );
    assert.deepEqual(
      flagged.map((p) => p.id),
      pools.map((p) => p.id),
    );
    const pool = await okJson('pool', 'show', '--pool-id', POOL);
    assert.equal(pool.id, POOL);
    assert.equal(pool.vmSize, 'standard_d2s_v3');
    assert.equal(pool.state, 'active');
    assert.equal(pool.taskSlotsPerNode, 1);
  });

  void it('a Batch error reaches az as its message, with a failing exit code', async () => {
    const missing = await az.batch('pool', 'show', '--pool-id', 'no-such-pool');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /The specified pool does not exist/);
  });

  void it('job create and show; task create, list and show', async () => {
    await ok('job', 'create', '--id', JOB, '--pool-id', POOL);
    const job = await okJson('job', 'show', '--job-id', JOB);
    assert.equal(job.id, JOB);
    assert.deepEqual(job.poolInfo, { autoPoolSpecification: null, poolId: POOL });
    const created = await okJson(
      'task',
      'create',
      '--job-id',
      JOB,
      '--task-id',
      't1',
      '--command-line',
      'true',
    );
    assert.equal(created.id, 't1');
    const tasks = await okJson<Json[]>('task', 'list', '--job-id', JOB);
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['t1'],
    );
    const task = await okJson('task', 'show', '--job-id', JOB, '--task-id', 't1');
    assert.equal(task.commandLine, 'true');
    assert.equal(task.state, 'active', 'the pool has no nodes: the task waits');
    const counts = await okJson<{ taskCounts: Json }>('job', 'task-counts', 'show', '--job-id', JOB);
    assert.equal(counts.taskCounts.active, 1);
  });

  void it('job-schedule create, list, show, delete', async () => {
    await ok(
      ...['job-schedule', 'create', '--id', SCHEDULE, '--pool-id', POOL],
      ...['--recurrence-interval', 'PT1H', '--do-not-run-until', '2099-01-01T00:00:00Z'],
    );
    const schedules = await okJson<Json[]>('job-schedule', 'list');
    assert.ok(schedules.some((s) => s.id === SCHEDULE));
    const schedule = await okJson('job-schedule', 'show', '--job-schedule-id', SCHEDULE);
    assert.equal(schedule.state, 'active');
    assert.equal((schedule.schedule as Json).recurrenceInterval, '1:00:00');
    await ok('job-schedule', 'delete', '--job-schedule-id', SCHEDULE, '--yes');
    const gone = await az.batch('job-schedule', 'show', '--job-schedule-id', SCHEDULE);
    if (gone.code === 0) assert.equal((gone.json as Json).state, 'deleting');
    else assert.match(gone.stderr, /job schedule does not exist/i);
  });

  void it('pool autoscale enable, evaluate, disable', async () => {
    const formula = '$TargetDedicatedNodes = max(0, min(2, $PendingTasks.GetSample(1)));';
    await ok(
      ...['pool', 'autoscale', 'enable', '--pool-id', POOL, '--auto-scale-formula', formula],
      ...['--auto-scale-evaluation-interval', 'PT5M'],
    );
    const enabled = await okJson('pool', 'show', '--pool-id', POOL);
    assert.equal(enabled.enableAutoScale, true);
    assert.equal(enabled.autoScaleFormula, formula);
    const run = await okJson(
      ...['pool', 'autoscale', 'evaluate', '--pool-id', POOL],
      ...['--auto-scale-formula', '$TargetDedicatedNodes = 1 + 2;'],
    );
    assert.equal(run.error, null);
    assert.match(String(run.results), /\$TargetDedicatedNodes=3/);
    await ok('pool', 'autoscale', 'disable', '--pool-id', POOL);
    const disabled = await okJson('pool', 'show', '--pool-id', POOL);
    assert.equal(disabled.enableAutoScale, false);
  });

  void it('pool node-counts list, usage-metrics list, supported-images list', async () => {
    const counts = await okJson<Json[]>('pool', 'node-counts', 'list', '--filter', `poolId eq '${POOL}'`);
    assert.equal(counts.length, 1);
    assert.equal(counts[0]?.poolId, POOL);
    assert.deepEqual(
      { total: (counts[0]?.dedicated as Json).total, idle: (counts[0]?.dedicated as Json).idle },
      { total: 0, idle: 0 },
      'the pool has no nodes',
    );
    const metrics = await okJson<Json[]>(
      ...['pool', 'usage-metrics', 'list', '--filter', `poolId eq '${POOL}'`],
      ...['--start-time', '2026-01-01T00:00:00Z', '--end-time', '2026-01-01T01:00:00Z'],
    );
    assert.deepEqual(metrics, [], 'nothing was used then');
    const images = await okJson<Json[]>('pool', 'supported-images', 'list');
    assert.ok(images.length >= 1);
    for (const image of images) {
      assert.equal(image.osType, 'linux');
      assert.match(String(image.nodeAgentSkuId), /^batch\.node\./);
    }
  });

  void it('certificate list and application summary list are empty; a missing application is an error', async () => {
    assert.deepEqual(await okJson('certificate', 'list'), []);
    assert.deepEqual(await okJson('application', 'summary', 'list'), []);
    const missing = await az.batch('application', 'summary', 'show', '--application-id', 'no-such-app');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /The specified application does not exist/);
  });

  void it('job all-statistics show and pool all-statistics show (lifetime statistics)', async () => {
    const jobs = await okJson('job', 'all-statistics', 'show');
    assert.match(String(jobs.url), /\/lifetimejobstats$/);
    assert.equal(jobs.numSucceededTasks, 0, 'the pool has no nodes: nothing ran');
    assert.equal(jobs.wallClockTime, '0:00:00');
    const pools = await okJson<{ url: string; usageStats: Json; resourceStats: Json }>(
      'pool',
      'all-statistics',
      'show',
    );
    assert.match(pools.url, /\/lifetimepoolstats$/);
    assert.equal(pools.usageStats.dedicatedCoreTime, '0:00:00');
    assert.equal(typeof pools.resourceStats.avgCpuPercentage, 'number');
  });

  void it('job delete and pool delete', async () => {
    await ok('job', 'delete', '--job-id', JOB, '--yes');
    await ok('pool', 'delete', '--pool-id', POOL, '--yes');
  });
});
