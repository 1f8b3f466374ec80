/**
 * What the server terminal shows: at the default level, a line per event (a node joined, a job completed) and no
 * line per request; with request logging on, every request again. And `GET /` from a browser goes to the dashboard.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

interface LogLine {
  level: number;
  msg: string;
}

async function serverWithLog(logRequests: boolean): Promise<{ server: TestServer; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const server = await testServer({
    logLevel: 'info',
    logRequests,
    logDestination: { write: (line) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { server, lines };
}

/** Polls a condition of the running server (the job settles in the background after the last task). */
async function until(condition: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`condition not met in ${timeoutMs} ms:\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const servers: TestServer[] = [];
after(async () => {
  for (const server of servers) await server.dispose();
});

describe('server log', () => {
  it('says when a node joins and a job completes, and nothing per request', async () => {
    const { server, lines } = await serverWithLog(false);
    servers.push(server);
    assert.equal((await batch(server, 'POST', '/pools', { id: 'p1', vmSize: 'local' })).status, 201);
    const node = await ScriptedNode.join(server, 'p1');
    const job = { id: 'j1', poolInfo: { poolId: 'p1' }, onAllTasksComplete: 'noaction' };
    assert.equal((await batch(server, 'POST', '/jobs', job)).status, 201);
    assert.equal(
      (await batch(server, 'POST', '/jobs/j1/tasks', { id: 't1', commandLine: 'true' })).status,
      201,
    );
    const patch = await batch(server, 'PATCH', '/jobs/j1', { onAllTasksComplete: 'terminatejob' });
    assert.equal(patch.status, 200);
    const [task] = await node.claim(1, 5000);
    assert.ok(task !== undefined);
    const now = new Date().toISOString();
    const { jobId, taskId, leaseToken } = task;
    const report = { jobId, taskId, leaseToken, startTime: now, endTime: now, exitCode: 0 };
    const done = await node.call('complete', report);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const messages = () => lines.map((line) => line.msg);
    await until(
      () => messages().includes('job j1 completed (AllTasksComplete): 1 succeeded, 0 failed'),
      () => messages().join('\n'),
    );
    assert.ok(messages().includes(`node ${node.nodeId} joined pool p1`), messages().join('\n'));
    assert.ok(
      !messages().some((msg) => /incoming request|request completed/.test(msg)),
      messages().join('\n'),
    );
  });

  it('logs every request when asked (--log-level debug, --log-format json)', async () => {
    const { server, lines } = await serverWithLog(true);
    servers.push(server);
    await batch(server, 'GET', '/pools');
    assert.ok(lines.some((line) => line.msg === 'request completed'));
  });

  it('sends a browser asking for / to the dashboard; an API client keeps the Batch answer', async () => {
    const { server } = await serverWithLog(false);
    servers.push(server);
    const browser = await fetch(`${server.url}/`, {
      headers: { accept: 'text/html,*/*' },
      redirect: 'manual',
    });
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), '/ui');
    const api = await fetch(`${server.url}/`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
    });
    assert.notEqual(api.status, 302);
    assert.match(api.headers.get('content-type') ?? '', /application\/json/);
  });
});
