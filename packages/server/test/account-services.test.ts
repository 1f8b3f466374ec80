/** Unit tests of the account-level computations: node counts, os-release naming, usage intervals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolNodeCounts } from '../src/services/node-counts.js';
import { USAGE_INTERVAL_MS, usageMetrics, usageWindow } from '../src/services/pool-usage-metrics.js';
import { imageFromOsRelease, parseOsRelease } from '../src/services/supported-images.js';

const HALF_HOUR = USAGE_INTERVAL_MS;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

void describe('node counts', () => {
  void it('maps lower-case stored states to their fields, per priority, with totals', () => {
    const [entry, other] = poolNodeCounts(
      ['Pool', 'empty'],
      [
        { poolId: 'pool', state: 'waitingforstarttask', dedicated: true, count: 2 },
        { poolId: 'POOL', state: 'idle', dedicated: false, count: 1 },
        { poolId: 'pool', state: 'upgradingos', dedicated: true, count: 1 },
        { poolId: 'pool', state: 'no-such-state', dedicated: true, count: 1 },
      ],
    );
    assert.equal(entry?.poolId, 'Pool');
    assert.equal(entry?.dedicated?.waitingForStartTask, 2);
    assert.equal(entry?.dedicated?.upgradingOS, 1);
    // A state without a field still counts in the total.
    assert.equal(entry?.dedicated?.total, 4);
    assert.equal(entry?.lowPriority?.idle, 1);
    assert.equal(entry?.lowPriority?.total, 1);
    assert.equal(other?.dedicated?.total, 0);
  });
});

void describe('supported images', () => {
  void it('names the OS of an os-release the Azure way', () => {
    const fields = parseOsRelease(
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n# c\n',
    );
    assert.deepEqual(imageFromOsRelease(fields), {
      nodeAgentSKUId: 'batch.node.debian 12',
      imageReference: { publisher: 'debian', offer: 'debian-12', sku: '12', version: 'latest' },
      osType: 'linux',
      verificationType: 'verified',
    });
    assert.equal(imageFromOsRelease(new Map()).nodeAgentSKUId, 'batch.node.linux 0');
  });
});

void describe('pool usage metrics', () => {
  void it('defaults to the last complete interval; a range widens to whole intervals, never past now', () => {
    const now = T0 + 70 * 60_000; // 11:10
    assert.deepEqual(usageWindow(now), { fromMs: T0 + HALF_HOUR, toMs: T0 + 2 * HALF_HOUR });
    assert.deepEqual(usageWindow(now, T0 + 10 * 60_000, T0 + 40 * 60_000), {
      fromMs: T0,
      toMs: T0 + 2 * HALF_HOUR,
    });
    assert.deepEqual(usageWindow(now, T0, now + HALF_HOUR), { fromMs: T0, toMs: T0 + 2 * HALF_HOUR });
    assert.deepEqual(usageWindow(now, now), { fromMs: T0 + 2 * HALF_HOUR, toMs: T0 + 2 * HALF_HOUR });
  });

  void it('splits each stay over the intervals and sums cores × time per pool', () => {
    const window = { fromMs: T0, toMs: T0 + 2 * HALF_HOUR };
    const base = { vmSize: 'v', nodeId: 'n' };
    const entries = usageMetrics(
      [
        { ...base, poolId: 'p', cores: 3, startMs: T0 - HALF_HOUR, endMs: T0 + 20 * 60_000 },
        { ...base, poolId: 'P', cores: 2, startMs: T0 + 50 * 60_000 },
        { ...base, poolId: 'q', cores: 1, startMs: T0 + 2 * HALF_HOUR },
      ],
      window,
      T0 + 3 * HALF_HOUR,
    );
    assert.deepEqual(
      entries.map(({ metrics }) => [metrics.poolId, metrics.startTime, metrics.totalCoreHours]),
      [
        ['p', '2026-03-01T10:00:00.0000000Z', 1],
        // The same pool (ids are case-insensitive), named as the stay in that interval names it.
        ['P', '2026-03-01T10:30:00.0000000Z', 2 / 6],
      ].map(([pool, start, hours]) => [pool, start, Math.round((hours as number) * 1e6) / 1e6]),
    );
  });
});
