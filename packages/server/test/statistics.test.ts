import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreTimeMs, runDelta } from '../src/services/statistics.js';
import type { PoolDoc, TaskDoc } from '../src/store/documents.js';
import type { NodeUsageRecord } from '../src/store/node-usage.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');

function record(poolId: string, startMs: number, endMs: number | undefined, cores = 1): NodeUsageRecord {
  return {
    poolId,
    nodeId: `n${startMs}`,
    vmSize: 'standard_d2s_v3',
    cores,
    startMs,
    ...(endMs === undefined ? {} : { endMs }),
  };
}

describe('coreTimeMs', () => {
  const records = [
    record('Pool1', T + 1000, T + 5000, 2), // 4 s × 2 cores
    record('pool1', T + 2000, undefined), // open: until now
    record('pool1', T - 9000, T - 1000, 4), // an earlier pool with the same id
    record('other', T, T + 3000),
  ];

  it('sums (end or now − start) × cores of one pool since its creation, ids compared case-insensitively', () => {
    const pool = { entity: { id: 'POOL1', creationTime: new Date(T).toISOString() } } as PoolDoc;
    assert.equal(coreTimeMs(records, T + 10_000, pool), 8000 + 8000);
  });

  it('sums every pool for the account', () => {
    assert.equal(coreTimeMs(records, T + 10_000), 8000 + 8000 + 32_000 + 3000);
  });
});

describe('runDelta', () => {
  const task = (result: 'success' | 'failure') =>
    ({
      jobId: 'j',
      entity: {
        id: 't',
        creationTime: new Date(T).toISOString(),
        executionInfo: { retryCount: 0, requeueCount: 0, startTime: new Date(T + 500).toISOString(), result },
      },
      internal: {},
    }) as TaskDoc;
  const run = {
    startTime: new Date(T + 500).toISOString(),
    endTime: new Date(T + 2500).toISOString(),
    usage: { userCpuMs: 30, kernelCpuMs: 5, readBytes: 1, writeBytes: 2, readOps: 3, writeOps: 4 },
  };

  it('a completing run counts its task once, with its wait', () => {
    const delta = runDelta(run, task('success'), true);
    assert.deepEqual(
      [delta.wallClockMs, delta.userCpuMs, delta.succeeded, delta.failed, delta.retries, delta.waitMs],
      [2000, 30, 1, 0, 0, 500],
    );
    assert.equal(runDelta(run, task('failure'), true).failed, 1);
  });

  it('a run that is retried counts a retry and no task', () => {
    const delta = runDelta(run, task('failure'), false);
    assert.deepEqual([delta.succeeded, delta.failed, delta.retries, delta.waitMs], [0, 0, 1, 0]);
  });
});
