import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

let server: TestServer;
before(async () => {
  // Store gauges read afresh on every scrape here; the refresh interval has its own test (store-snapshot).
  server = await testServer({ rateLimit: { ratePerSecond: 1000, burst: 1000 }, metricsRefreshMs: 0 });
});
after(async () => {
  await server.dispose();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${server.accountKey}` },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  return response.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  assert.ok(line, `series ${series} is exported`);
  return Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('exports every state and result at 0 before anything happens', async () => {
    const text = await scrape();
    assert.equal(value(text, 'batchite_tasks{state="active"}'), 0);
    assert.equal(value(text, 'batchite_task_attempts_total{result="node_lost"}'), 0);
    assert.equal(value(text, 'batchite_throttled_responses_total{status_code="429"}'), 0);
    assert.match(text, /batchite_build_info\{version="[^"]+",store="sqlite"\} 1/);
  });

  it('counts requests by operation and error code, task runs, retries and scheduling latency', async () => {
    await batch(server, 'POST', '/pools', { id: 'p', vmSize: 'local', taskSlotsPerNode: 2 });
    await batch(server, 'POST', '/jobs', { id: 'j', poolInfo: { poolId: 'p' } });
    await batch(server, 'POST', '/jobs', { id: 'j', poolInfo: { poolId: 'p' } });
    await batch(server, 'POST', '/jobs/j/tasks', { id: 'ok', commandLine: 'x' });
    await batch(server, 'POST', '/jobs/j/tasks', {
      id: 'flaky',
      commandLine: 'x',
      constraints: { maxTaskRetryCount: 1 },
    });
    const node = await ScriptedNode.join(server, 'p');
    for (const task of await node.claim(2))
      await node.complete(task, { exitCode: task.taskId === 'ok' ? 0 : 1 });
    const text = await scrape();
    assert.equal(
      value(text, 'batchite_api_requests_total{operation="Job_Add",status_code="201",error_code=""}'),
      1,
    );
    assert.equal(
      value(
        text,
        'batchite_api_requests_total{operation="Job_Add",status_code="409",error_code="JobExists"}',
      ),
      1,
    );
    assert.equal(value(text, 'batchite_task_attempts_total{result="success"}'), 1);
    assert.equal(value(text, 'batchite_task_attempts_total{result="failure"}'), 1);
    assert.equal(value(text, 'batchite_task_retries_total'), 1);
    assert.equal(value(text, 'batchite_scheduler_assign_latency_seconds_count'), 2);
    assert.equal(value(text, 'batchite_tasks{state="active"}'), 1, 'the retried task waits again');
    assert.equal(value(text, 'batchite_tasks{state="completed"}'), 1);
    assert.equal(value(text, 'batchite_nodes{state="idle"}'), 1);
    assert.equal(value(text, 'batchite_task_slots{state="free"}'), 2);
  });

  it('counts injected faults by kind', async () => {
    const rule = {
      match: { method: 'GET', path: '/jobs' },
      count: 2,
      action: { type: 'error', status: 500, code: 'InternalError' },
    };
    await batch(server, 'POST', '/.batchite/faults', rule, { apiVersion: false });
    await batch(server, 'GET', '/jobs');
    await batch(server, 'GET', '/jobs');
    assert.equal(value(await scrape(), 'batchite_faults_injected_total{kind="error"}'), 2);
  });
});
