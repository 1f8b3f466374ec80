/** Conformance: usage totals — additions per key, concurrent adds, removal, persistence. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_USAGE, type UsageDelta } from '../../src/store/usage-totals.js';
import type { CaseContext } from './conformance-cases.js';

const RUN: UsageDelta = {
  ...EMPTY_USAGE,
  wallClockMs: 1500,
  userCpuMs: 300,
  kernelCpuMs: 20,
  readBytes: 4096,
  writeBytes: 3 * 1024 ** 3, // beyond 32 bits: stored and read back exactly
  readOps: 7,
  writeOps: 5,
  succeeded: 1,
  waitMs: 250,
};

export function usageCases(ctx: CaseContext): void {
  describe('usage totals', () => {
    it('creates a total at its first run and adds later runs to it, per key', async () => {
      const { store } = ctx;
      assert.equal((await store.getUsage(['job/a/t0'])).size, 0);
      await store.addUsage(['job/a/t0', 'account'], RUN, '2026-01-01T00:00:00.000Z');
      await store.addUsage(
        ['job/a/t0', 'account'],
        { ...RUN, succeeded: 0, retries: 1 },
        '2026-01-01T00:01:00.000Z',
      );
      await store.addUsage(
        ['job/b/t0', 'account'],
        { ...RUN, succeeded: 0, failed: 1 },
        '2026-01-01T00:02:00.000Z',
      );
      const totals = await store.getUsage(['job/a/t0', 'job/b/t0', 'account', 'missing']);
      assert.deepEqual([...totals.keys()].sort(), ['account', 'job/a/t0', 'job/b/t0']);
      const a = totals.get('job/a/t0');
      assert.equal(a?.startTime, '2026-01-01T00:00:00.000Z');
      assert.equal(a.lastUpdateTime, '2026-01-01T00:01:00.000Z');
      assert.equal(a.wallClockMs, 3000);
      assert.equal(a.writeBytes, 6 * 1024 ** 3);
      assert.equal(a.succeeded, 1);
      assert.equal(a.retries, 1);
      const account = totals.get('account');
      assert.equal(account?.userCpuMs, 900);
      assert.equal(account.failed, 1);
      assert.equal(account.waitMs, 750);
      assert.equal(account.lastUpdateTime, '2026-01-01T00:02:00.000Z');
    });

    it('loses no addition when runs complete concurrently', async () => {
      const { store } = ctx;
      const runs = Array.from({ length: 20 }, (_, i) =>
        store.addUsage(
          ['pool/p/t0', 'account'],
          { ...EMPTY_USAGE, userCpuMs: i + 1 },
          '2026-01-01T00:00:00.000Z',
        ),
      );
      await Promise.all(runs);
      const totals = await store.getUsage(['pool/p/t0', 'account']);
      assert.equal(totals.get('pool/p/t0')?.userCpuMs, 210);
      assert.equal(totals.get('account')?.userCpuMs, 210);
    });

    it('removes one total and keeps the others; totals survive reopening the store', async () => {
      const { store } = ctx;
      await store.addUsage(['job/gone/t0', 'account'], RUN, '2026-01-01T00:00:00.000Z');
      await store.removeUsage('job/gone/t0');
      const reopened = await ctx.reopen();
      const totals = await reopened.getUsage(['job/gone/t0', 'account']);
      assert.equal(totals.has('job/gone/t0'), false);
      assert.equal(totals.get('account')?.readOps, 7);
    });
  });
}
