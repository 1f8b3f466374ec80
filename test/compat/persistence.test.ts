/**
 * Restart persistence: pools, jobs and tasks written before a restart are served unchanged (same bodies, same
 * ETags) by a new server on the same data directory, and the id constraints still hold.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { expectBatchError } from '../support/errors.js';
import { addIdleJob, addPool, addTask } from '../support/fixtures.js';
import { rawRequest } from '../support/raw.js';
import { sdkClient } from '../support/sdk.js';
import { makeDataDir, removeDataDir, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';
import { waitForState } from '../support/poll.js';

interface Snapshot {
  resources: Record<string, unknown>;
  etags: Record<string, string | undefined>;
}

/** Raw GET of every resource path; bodies and ETag headers keyed by path. */
async function snapshot(server: TestServer, paths: string[]): Promise<Snapshot> {
  const resources: Record<string, unknown> = {};
  const etags: Record<string, string | undefined> = {};
  for (const path of paths) {
    const res = await rawRequest(server, { method: 'GET', path });
    assert.equal(res.status, 200, `GET ${path}: ${res.text.slice(0, 300)}`);
    resources[path] = res.json;
    const etag = res.headers.etag;
    etags[path] = typeof etag === 'string' ? etag : undefined;
  }
  return { resources, etags };
}

void describe('persistence across a restart', () => {
  let dataDir: string | undefined;
  const servers: TestServer[] = [];
  after(async () => {
    for (const server of servers) await server.dispose();
    if (dataDir !== undefined) await removeDataDir(dataDir);
  });

  void it('everything is still there with the same ETags, and writes keep working', async () => {
    dataDir = await makeDataDir();
    const first = await startTestServer({ dataDir });
    servers.push(first);
    const client = sdkClient(first);
    const poolId = await addPool(client, { metadata: [{ name: 'k', value: 'v' }] });
    await waitFor(async () => (await client.pool.get(poolId)).allocationState === 'steady', {
      what: 'steady pool',
    });
    const jobA = await addIdleJob(client, { priority: 5, constraints: { maxTaskRetryCount: 2 } });
    const jobB = await addIdleJob(client, { usesTaskDependencies: true });
    await client.job.patch(jobA, { priority: 6 });
    const t1 = await addTask(client, jobA);
    const t2 = await addTask(client, jobA, { constraints: { maxTaskRetryCount: 1 } });
    const t3 = await addTask(client, jobB, { dependsOn: { taskIds: [t1] } });
    await client.task.terminate(jobA, t2);
    await waitForState(() => client.task.get(jobA, t2), 'completed');
    const doneJob = await addIdleJob(client);
    await client.job.terminate(doneJob, { terminateReason: 'BeforeRestart' });
    await waitForState(() => client.job.get(doneJob), 'completed');

    const paths = [
      `/pools/${poolId}`,
      `/jobs/${jobA}`,
      `/jobs/${jobB}`,
      `/jobs/${doneJob}`,
      `/jobs/${jobA}/tasks/${t1}`,
      `/jobs/${jobA}/tasks/${t2}`,
      `/jobs/${jobB}/tasks/${t3}`,
    ];
    const before = await snapshot(first, paths);
    const jobIdsBefore = (await client.job.list()).map((j) => j.id).sort();
    await first.stop();

    const second = await startTestServer({ dataDir });
    servers.push(second);
    const again = sdkClient(second);
    const afterRestart = await snapshot(second, paths);
    assert.deepEqual(afterRestart.etags, before.etags, 'ETags survive the restart');
    assert.deepEqual(
      stripHosts(afterRestart.resources, second.url),
      stripHosts(before.resources, first.url),
      'resources survive the restart unchanged (except the server address in URLs)',
    );
    assert.deepEqual((await again.job.list()).map((j) => j.id).sort(), jobIdsBefore);

    await expectBatchError(again.job.add({ id: jobA.toUpperCase(), poolInfo: { poolId } }), {
      statusCode: 409,
      code: 'JobExists',
    });
    const t4 = await addTask(again, jobA);
    const fresh = await again.task.get(jobA, t4);
    assert.ok(fresh.eTag);
    assert.ok(![...Object.values(before.etags)].includes(fresh.eTag), 'new ETags do not repeat old ones');
    assert.equal((await again.task.list(jobA)).length, 3);
  });
});

/** The second server listens on another port; URLs in bodies legitimately change with it. */
function stripHosts(value: unknown, baseUrl: string): unknown {
  return JSON.parse(JSON.stringify(value).split(baseUrl).join('<server>'));
}
