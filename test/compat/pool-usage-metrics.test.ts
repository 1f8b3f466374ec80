/**
 * Pool usage metrics through the official SDK, on a fake service clock: nodes join and leave pools at known
 * times, and each 30-minute interval reports the core hours they spent there (a node counts its task slots as
 * cores), checked against sums worked out by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { FakeClock } from '@batchite/retry';
import { expectBatchError } from '../support/errors.js';
import { addPool } from '../support/fixtures.js';
import { sdkClient } from '../support/sdk.js';
import type { NodeLauncher } from '@batchite/server';
import { dropPostgresStore, usePostgres } from '../support/pg-store.js';
import { makeDataDir, removeDataDir, startTestServer, type TestServer } from '../support/server.js';

const MINUTE = 60_000;
/** 2026-03-01T10:00:00Z: the start of an aggregation interval. */
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

type Metrics = BatchServiceModels.PoolUsageMetrics;

/** `pool@HH:MM-HH:MM vmSize coreHours`, comparable in one assertion. */
function show(metrics: readonly Metrics[], names: Record<string, string>): string[] {
  const hhmm = (date: Date) => date.toISOString().slice(11, 16);
  return metrics.map(
    (m) =>
      `${names[m.poolId] ?? m.poolId}@${hhmm(m.startTime)}-${hhmm(m.endTime)} ${m.vmSize} ${m.totalCoreHours}`,
  );
}

void describe('pool usage metrics', () => {
  const clock = new FakeClock(T0);
  let server: TestServer;
  let client: BatchServiceClient;
  let a = '';
  let b = '';
  let names: Record<string, string> = {};

  async function nodeApi(path: string, authorization: string, body: object = {}): Promise<Response> {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, `${path}: ${response.status}`);
    return response;
  }

  /** Registers a node with `slots` slots; returns a function that makes it leave its pool. */
  async function join(poolId: string, slots: number): Promise<() => Promise<void>> {
    const response = await nodeApi(
      `/.batchite/pools/${poolId}/nodes/register`,
      `BatchiteJoin ${server.joinToken(poolId)}`,
      { hostname: 'probe', slots },
    );
    const { nodeId, token } = (await response.json()) as { nodeId: string; token: string };
    return async () => {
      await nodeApi(`/.batchite/nodes/${nodeId}/leave`, `BatchiteNode ${nodeId}:${token}`);
    };
  }

  before(async () => {
    server = await startTestServer({ clock });
    client = sdkClient(server, { retries: false, now: () => clock.now() });
    a = await addPool(client, { vmSize: 'standard_d2s_v3' });
    b = await addPool(client, { vmSize: 'standard_a1_v2' });
    names = { [a]: 'A', [b]: 'B' };
    // A: n1 (2 slots) 10:00–10:45, n2 (4 slots) from 10:15 to 11:30. B: n3 (1 slot) from 11:00 on.
    const n1Leaves = await join(a, 2);
    await clock.advance(15 * MINUTE);
    const n2Leaves = await join(a, 4);
    await clock.advance(30 * MINUTE);
    await n1Leaves();
    await clock.advance(15 * MINUTE);
    await join(b, 1);
    await clock.advance(30 * MINUTE);
    await n2Leaves();
  });

  after(async () => {
    await server.dispose();
  });

  void it('without a time range: the last complete interval, one entry per pool', async () => {
    const metrics = await client.pool.listUsageMetrics();
    assert.deepEqual(show(metrics, names).sort(), [
      'A@11:00-11:30 standard_d2s_v3 2',
      'B@11:00-11:30 standard_a1_v2 0.5',
    ]);
  });

  void it('a time range: every interval it overlaps, in time order, with hand-computed core hours', async () => {
    const metrics = await client.pool.listUsageMetrics({
      poolListUsageMetricsOptions: { startTime: new Date(T0), endTime: new Date(T0 + 90 * MINUTE) },
    });
    const shown = show(metrics, names);
    // 10:00–10:30: n1 2 cores × ½ h + n2 4 × ¼ h; 10:30–11:00: 2 × ¼ + 4 × ½; 11:00–11:30: 4 × ½ (A), 1 × ½ (B).
    assert.deepEqual(shown.slice(0, 2), [
      'A@10:00-10:30 standard_d2s_v3 2',
      'A@10:30-11:00 standard_d2s_v3 2.5',
    ]);
    assert.deepEqual(shown.slice(2).sort(), [
      'A@11:00-11:30 standard_d2s_v3 2',
      'B@11:00-11:30 standard_a1_v2 0.5',
    ]);
    const inside = await client.pool.listUsageMetrics({
      poolListUsageMetricsOptions: {
        startTime: new Date(T0 + 40 * MINUTE),
        endTime: new Date(T0 + 50 * MINUTE),
      },
    });
    assert.deepEqual(show(inside, names), ['A@10:30-11:00 standard_d2s_v3 2.5'], 'the interval around it');
  });

  void it('$filter on poolId and startTime; maxresults pages with a next link', async () => {
    const range = { startTime: new Date(T0), endTime: new Date(T0 + 90 * MINUTE) };
    const onlyB = await client.pool.listUsageMetrics({
      poolListUsageMetricsOptions: { ...range, filter: `poolId eq '${b}'` },
    });
    assert.deepEqual(show(onlyB, names), ['B@11:00-11:30 standard_a1_v2 0.5']);
    const late = await client.pool.listUsageMetrics({
      poolListUsageMetricsOptions: { ...range, filter: `startTime ge datetime'2026-03-01T10:30:00Z'` },
    });
    assert.equal(late.length, 3);

    const first = await client.pool.listUsageMetrics({
      poolListUsageMetricsOptions: { ...range, maxResults: 3 },
    });
    assert.equal(first.length, 3);
    assert.ok(first.odatanextLink);
    const rest = await client.pool.listUsageMetricsNext(first.odatanextLink);
    assert.equal(rest.length, 1);
    assert.equal(rest.odatanextLink, undefined);
  });

  void it('after the last node left, later intervals have no entry for its pool', async () => {
    await clock.advance(30 * MINUTE);
    const metrics = await client.pool.listUsageMetrics();
    assert.deepEqual(show(metrics, names), ['B@11:30-12:00 standard_a1_v2 0.5']);
  });

  void it('a node left over from a stopped server counts until its lease ran out; records survive the restart', async () => {
    const restartClock = new FakeClock(T0);
    const dataDir = await makeDataDir();
    // Local nodes on, but no pool asks for any: the launcher is never used, only the restart's clean-up runs.
    const nodeLauncher: NodeLauncher = {
      launch: () => {
        throw new Error('no node should be launched');
      },
    };
    const first = await startTestServer({ clock: restartClock, dataDir, nodeLauncher });
    let second: TestServer | undefined;
    try {
      const sdk = sdkClient(first, { retries: false, now: () => restartClock.now() });
      const poolId = await addPool(sdk);
      const response = await fetch(`${first.url}/.batchite/pools/${poolId}/nodes/register`, {
        method: 'POST',
        headers: {
          authorization: `BatchiteJoin ${first.joinToken(poolId)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ hostname: 'probe', slots: 2 }),
      });
      const { leaseMs } = (await response.json()) as { leaseMs: number };
      assert.ok(leaseMs > 0 && leaseMs < 30 * MINUTE);
      await first.stop();
      await restartClock.advance(60 * MINUTE);
      second = await startTestServer({ clock: restartClock, dataDir, nodeLauncher });
      const again = sdkClient(second, { retries: false, now: () => restartClock.now() });
      const metrics = await again.pool.listUsageMetrics({
        poolListUsageMetricsOptions: { startTime: new Date(T0), endTime: new Date(T0 + 60 * MINUTE) },
      });
      // 2 cores from 10:00 until the lease the node last had ran out (no heartbeat came after it joined).
      const hours = Math.round(((2 * leaseMs) / (60 * MINUTE)) * 1e6) / 1e6;
      assert.deepEqual(show(metrics, { [poolId]: 'P' }), [`P@10:00-10:30 standard_d2s_v3 ${hours}`]);
    } finally {
      await second?.dispose();
      await first.dispose();
      if (usePostgres()) await dropPostgresStore(dataDir);
      await removeDataDir(dataDir);
    }
  });

  void it('a start time after the end time, or an unknown filter property, is 400', async () => {
    await expectBatchError(
      client.pool.listUsageMetrics({
        poolListUsageMetricsOptions: { startTime: new Date(T0 + MINUTE), endTime: new Date(T0) },
      }),
      { statusCode: 400, code: 'InvalidQueryParameterValue' },
    );
    await expectBatchError(
      client.pool.listUsageMetrics({ poolListUsageMetricsOptions: { filter: "vmSize eq 'x'" } }),
      { statusCode: 400, code: 'InvalidQueryParameterValue' },
    );
  });
});
