/**
 * Resource files through a flaky storage endpoint: Azurite answered through a fault proxy that resets the first
 * try of every request and answers the second with 503 ServerBusy and Retry-After. The agents' retry policy
 * (the storage SDK's own retries are off) gets every task its inputs; the proxy's counts prove the faults
 * happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../support/fault-proxy.js';
import { sh } from '../execution/helpers.js';
import { addJob, containerWith, runTask, stdoutOf, withStorageRunner } from './helpers.js';

const TASKS = 4;
/** Each request waits out a reset backoff and a Retry-After (1–2 s): slower than a normal run, still bounded. */
const FAULTY_RUN_TIMEOUT_MS = 120_000;

void describe('resource files through a faulty storage endpoint', () => {
  const runner = withStorageRunner({ nodes: 1, slots: TASKS });
  let proxy: FaultProxy | undefined;
  const tries = new Map<string, number>();

  before(async () => {
    // Per request (method and URL): a reset, then 503 with Retry-After, then the real answer.
    proxy = await startFaultProxy(runner.azurite.url, (method, url): FaultAction => {
      const key = `${method} ${url}`;
      const attempt = (tries.get(key) ?? 0) + 1;
      tries.set(key, attempt);
      if (attempt === 1) return 'reset';
      if (attempt === 2) return { status: 503, retryAfterSeconds: 1 };
      return 'pass';
    });
  });
  after(() => proxy?.close());

  void it('every task gets all its inputs despite resets and 503 with Retry-After', async () => {
    const { azurite } = runner;
    const blobs: Record<string, string> = {};
    for (let index = 0; index < TASKS; index++) {
      blobs[`part-${index}/a.txt`] = `a${index}`;
      blobs[`part-${index}/b.txt`] = `b${index}`;
    }
    const container = await containerWith(azurite, blobs);
    const endpoint = `${proxy?.url ?? ''}/devstoreaccount1`;
    const containerUrl = azurite.containerSasUrl(container, 'rl', undefined, endpoint);
    const jobId = await addJob(runner);
    const tasks = await Promise.all(
      Array.from({ length: TASKS }, (_, index) =>
        runTask(
          runner,
          jobId,
          {
            id: uniqueId(`t${index}`),
            commandLine: sh(`cat part-${index}/a.txt part-${index}/b.txt one.txt`),
            resourceFiles: [
              { storageContainerUrl: containerUrl, blobPrefix: `part-${index}/` },
              { httpUrl: containerUrl.replace('?', `/part-${index}/a.txt?`), filePath: 'one.txt' },
            ],
          },
          FAULTY_RUN_TIMEOUT_MS,
        ),
      ),
    );
    for (const [index, task] of tasks.entries()) {
      assert.equal(task.executionInfo?.result, 'success', JSON.stringify(task.executionInfo));
      assert.equal(await stdoutOf(runner, jobId, task.id ?? ''), `a${index}b${index}a${index}`);
    }
    // Every distinct request (a list and two blobs per task; the HTTP file is one of those blobs) was reset
    // once and throttled once before it got through.
    assert.ok(tries.size >= TASKS * 3, String(tries.size));
    assert.equal(proxy?.counts.reset, tries.size);
    assert.equal(proxy?.counts.status, tries.size);
  });
});
