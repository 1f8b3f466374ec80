/**
 * Old and new api-versions over raw Shared Key requests: every version Azure serves is accepted, and each gets the
 * shapes its own models define (pools with `maxTasksPerNode` and bare task counts before 2020-09-01.12.0, no
 * `requiredSlots` on tasks then), while the same data read with a newer version has the newer names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_VERSIONS } from '@batchite/protocol';
import { poolBody } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { rawRequest, type RawRequestOptions, type RawResponse } from '../support/raw.js';
import { withServer } from '../support/server.js';

const OLD_VERSIONS = ['2018-12-01.8.0', '2019-08-01.10.0', '2020-03-01.11.0'] as const;
const SLOTS_VERSION = '2020-09-01.12.0';
const SDK_VERSION = '2022-10-01.16.0';

/** The properties of `ComputeNode` in the models of `@azure/batch` 10.2.0 (2022-10-01.16.0). */
const COMPUTE_NODE_PROPERTIES = new Set([
  ...['id', 'url', 'state', 'schedulingState', 'stateTransitionTime', 'lastBootTime', 'allocationTime'],
  ...['ipAddress', 'affinityId', 'vmSize', 'totalTasksRun', 'runningTasksCount', 'runningTaskSlotsCount'],
  ...['totalTasksSucceeded', 'recentTasks', 'startTask', 'startTaskInfo', 'certificateReferences', 'errors'],
  ...['isDedicated', 'endpointConfiguration', 'nodeAgentInfo', 'virtualMachineInfo'],
]);

interface Listed {
  value: Record<string, unknown>[];
}

void describe('api-versions on the wire', () => {
  const ctx = withServer();

  async function call(options: RawRequestOptions, status: number): Promise<RawResponse> {
    const res = await rawRequest(ctx.server, options);
    assert.equal(
      res.status,
      status,
      `${options.method} ${options.path} (${options.apiVersion}): ${res.text}`,
    );
    return res;
  }

  void it('answers a list of pools in every version Azure serves', async () => {
    for (const apiVersion of API_VERSIONS) {
      const res = await call({ method: 'GET', path: '/pools', apiVersion }, 200);
      assert.ok(Array.isArray((res.json as Listed).value), apiVersion);
    }
  });

  for (const apiVersion of OLD_VERSIONS) {
    void it(`${apiVersion}: pool with maxTasksPerNode, job, task, task counts in that version's shapes`, async () => {
      const poolId = uniqueId('oldpool');
      const pool = poolBody(poolId);
      await call({ method: 'POST', path: '/pools', apiVersion, body: { ...pool, maxTasksPerNode: 3 } }, 201);

      const listed = (await call({ method: 'GET', path: '/pools', apiVersion }, 200)).json as Listed;
      const mine = listed.value.find((p) => p.id === poolId);
      assert.equal(mine?.maxTasksPerNode, 3, 'old name in the old version');
      assert.ok(!('taskSlotsPerNode' in (mine ?? {})), 'the new name is not in the old shape');
      const selected = (
        await call(
          { method: 'GET', path: `/pools/${poolId}`, apiVersion, query: { $select: 'id,maxTasksPerNode' } },
          200,
        )
      ).json as Record<string, unknown>;
      assert.equal(selected.maxTasksPerNode, 3, '$select takes the old name');
      const current = (await call({ method: 'GET', path: `/pools/${poolId}`, apiVersion: SDK_VERSION }, 200))
        .json as Record<string, unknown>;
      assert.equal(current.taskSlotsPerNode, 3, 'the same pool read with a newer version');
      assert.ok(!('maxTasksPerNode' in current));

      const jobId = uniqueId('oldjob');
      await call(
        { method: 'POST', path: '/jobs', apiVersion, body: { id: jobId, poolInfo: { poolId } } },
        201,
      );
      const taskPath = `/jobs/${jobId}/tasks`;
      await call(
        { method: 'POST', path: taskPath, apiVersion, body: { id: 't1', commandLine: 'true' } },
        201,
      );
      const task = (await call({ method: 'GET', path: `${taskPath}/t1`, apiVersion }, 200)).json as Record<
        string,
        unknown
      >;
      assert.equal(task.id, 't1');
      assert.equal(task.state, 'active');
      assert.ok(!('requiredSlots' in task), 'requiredSlots came with 2020-09-01.12.0');
      const newer = (await call({ method: 'GET', path: `${taskPath}/t1`, apiVersion: SLOTS_VERSION }, 200))
        .json as Record<string, unknown>;
      assert.equal(newer.requiredSlots, 1);

      const counts = (await call({ method: 'GET', path: `/jobs/${jobId}/taskcounts`, apiVersion }, 200))
        .json as Record<string, unknown>;
      assert.deepEqual(
        { active: counts.active, running: counts.running, completed: counts.completed },
        { active: 1, running: 0, completed: 0 },
      );
      assert.ok(!('taskCounts' in counts) && !('taskSlotCounts' in counts), 'bare counts before 12.0');
      const result = (
        await call({ method: 'GET', path: `/jobs/${jobId}/taskcounts`, apiVersion: SLOTS_VERSION }, 200)
      ).json as { taskCounts?: { active: number }; taskSlotCounts?: { active: number } };
      assert.equal(result.taskCounts?.active, 1);
      assert.equal(result.taskSlotCounts?.active, 1);
    });
  }

  void it("a node answers ComputeNode's properties only; its ETag and Last-Modified are headers", async () => {
    const poolId = uniqueId('nodepool');
    await call({ method: 'POST', path: '/pools', apiVersion: SDK_VERSION, body: poolBody(poolId) }, 201);
    const registered = await fetch(`${ctx.server.url}/.batchite/pools/${poolId}/nodes/register`, {
      method: 'POST',
      headers: {
        authorization: `BatchiteJoin ${ctx.server.joinToken(poolId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ hostname: 'probe' }),
    });
    assert.equal(registered.status, 200);
    const { nodeId } = (await registered.json()) as { nodeId: string };
    const nodes = `/pools/${poolId}/nodes`;
    const listed = (await call({ method: 'GET', path: nodes, apiVersion: SDK_VERSION }, 200)).json as Listed;
    const got = await call({ method: 'GET', path: `${nodes}/${nodeId}`, apiVersion: SDK_VERSION }, 200);
    assert.equal(listed.value.length, 1);
    for (const node of [listed.value[0] ?? {}, got.json as Record<string, unknown>]) {
      assert.equal(node.id, nodeId);
      const extra = Object.keys(node).filter(
        (key) => key !== 'odata.metadata' && !COMPUTE_NODE_PROPERTIES.has(key),
      );
      assert.deepEqual(extra, [], 'no property outside the ComputeNode model');
    }
    assert.match(String(got.headers.etag), /^0x/);
    assert.ok(!Number.isNaN(Date.parse(String(got.headers['last-modified']))));
  });

  void it('2018-12-01.8.0 lists node agent SKUs (later versions list supported images)', async () => {
    const apiVersion = OLD_VERSIONS[0];
    const skus = (await call({ method: 'GET', path: '/nodeagentskus', apiVersion }, 200)).json as Listed;
    const images = (await call({ method: 'GET', path: '/supportedimages', apiVersion: SDK_VERSION }, 200))
      .json as Listed;
    assert.deepEqual(
      skus.value,
      images.value.map((image) => ({
        id: image.nodeAgentSKUId,
        verifiedImageReferences: [image.imageReference],
        osType: image.osType,
      })),
    );
    const filtered = await call(
      { method: 'GET', path: '/nodeagentskus', apiVersion, query: { $filter: "osType eq 'windows'" } },
      200,
    );
    assert.deepEqual((filtered.json as Listed).value, []);
  });

  void it('the new generation: timeOut spelling with 2024-07-01.20.0 and 2025-06-01', async () => {
    for (const apiVersion of ['2024-07-01.20.0', '2025-06-01']) {
      const jobId = uniqueId('newjob');
      const body = { id: jobId, poolInfo: { poolId: 'any' } };
      await call({ method: 'POST', path: '/jobs', apiVersion, query: { timeOut: '30' }, body }, 201);
      const job = (
        await call({ method: 'GET', path: `/jobs/${jobId}`, apiVersion, query: { timeOut: '30' } }, 200)
      ).json as Record<string, unknown>;
      assert.equal(job.id, jobId);
    }
  });
});
