/** The dashboard's stderr-head cache: one read per task run, a re-run read afresh, failures not cached, LRU. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskDoc } from '../src/store/documents.js';
import { FAILURE_LIMITS, StderrHeads } from '../src/ui/ui-failures.js';

function failedRun(id: string, endTime: string, retryCount = 0): TaskDoc {
  return {
    jobId: 'job',
    entity: {
      id,
      state: 'completed',
      executionInfo: { endTime, retryCount, requeueCount: 0, result: 'failure' },
    },
    internal: {},
  };
}

/** A reader that answers `line <id>@<endTime>` and counts what it was asked. */
function countingReader(): { reads: string[]; read: (task: TaskDoc) => Promise<string | undefined> } {
  const reads: string[] = [];
  return {
    reads,
    read: (task) => {
      reads.push(task.entity.id);
      return Promise.resolve(`line ${task.entity.id}@${task.entity.executionInfo?.endTime}`);
    },
  };
}

void describe('StderrHeads', () => {
  void it('reads a run once, and a re-run of the same task afresh', async () => {
    const reader = countingReader();
    const heads = new StderrHeads(reader.read);
    const first = failedRun('t1', '2030-01-01T00:00:01.000Z');
    assert.equal(await heads.firstLine(first), 'line t1@2030-01-01T00:00:01.000Z');
    assert.equal(await heads.firstLine(first), 'line t1@2030-01-01T00:00:01.000Z');
    assert.deepEqual(reader.reads, ['t1']);
    const rerun = failedRun('t1', '2030-01-01T00:00:09.000Z', 1);
    assert.equal(await heads.firstLine(rerun), 'line t1@2030-01-01T00:00:09.000Z');
    assert.deepEqual(reader.reads, ['t1', 't1']);
  });

  void it('caches "no stderr" but not a read that failed', async () => {
    let calls = 0;
    let fail = true;
    const heads = new StderrHeads(() => {
      calls++;
      return fail ? Promise.reject(new Error('node unreachable')) : Promise.resolve(undefined);
    });
    const task = failedRun('t2', '2030-01-01T00:00:02.000Z');
    assert.equal(await heads.firstLine(task), undefined);
    fail = false;
    assert.equal(await heads.firstLine(task), undefined);
    assert.equal(await heads.firstLine(task), undefined);
    assert.equal(calls, 2, 'the failed read is retried next time; the empty answer is kept');
  });

  void it('keeps at most cacheEntries heads and drops the least recently used', async () => {
    const reader = countingReader();
    const heads = new StderrHeads(reader.read);
    const runs = Array.from({ length: FAILURE_LIMITS.cacheEntries }, (_, i) =>
      failedRun(`t${i}`, '2030-01-01T00:00:00.000Z'),
    );
    await heads.firstLines(runs);
    assert.equal(reader.reads.length, FAILURE_LIMITS.cacheEntries);
    await heads.firstLine(runs[0] as TaskDoc); // t0 becomes the most recently used
    await heads.firstLine(failedRun('extra', '2030-01-01T00:00:00.000Z')); // evicts t1, the oldest now
    reader.reads.length = 0;
    await heads.firstLine(runs[0] as TaskDoc);
    assert.deepEqual(reader.reads, [], 't0 stayed');
    await heads.firstLine(runs[1] as TaskDoc);
    assert.deepEqual(reader.reads, ['t1'], 't1 was evicted and is read again');
  });

  void it('firstLines answers index-aligned, reading a few at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const heads = new StderrHeads(async (task) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      inFlight--;
      return task.entity.id;
    });
    const runs = Array.from({ length: 20 }, (_, i) => failedRun(`r${i}`, '2030-01-01T00:00:00.000Z'));
    const lines = await heads.firstLines(runs);
    assert.deepEqual(
      lines,
      runs.map((run) => run.entity.id),
    );
    assert.ok(most <= FAILURE_LIMITS.readsAtOnce, `${most} reads at once`);
  });
});
