/**
 * The dashboard's page and API: data from real runs (scripted nodes), the access guard (operator credential,
 * no loopback exemption), secret masking, and live updates.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { taskDirectory } from '@batchite/protocol/task-files';
import { authorizationHeader } from '@batchite/protocol';
import { localNodeRoot } from '../src/services/local-node-roots.js';
import { batch, ScriptedNode, testServer, type TestServer } from './support.js';

let server: TestServer;

before(async () => {
  server = await testServer();
});
after(async () => {
  await server.dispose();
});

async function post(path: string, body: unknown): Promise<void> {
  const reply = await batch(server, 'POST', path, body);
  assert.ok(reply.status < 300, `${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

/** A dashboard request as the page sends it: with the dashboard token, unless `init` sets its own headers. */
async function ui(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers = {
    authorization: `Bearer ${server.dashboardToken}`,
    ...(init.headers as Record<string, string>),
  };
  const response = await fetch(`${server.url}/ui${path}`, { ...init, headers });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') === true;
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
}

async function uiJson(path: string): Promise<any> {
  const reply = await ui(`/api${path}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body;
}

/** Pool `p` with one 2-slot node; job `j`: `bad` failed, `ok` succeeded, `run`/`run2` running, `w1`/`w2` waiting. */
async function setUpRun(): Promise<{ node: ScriptedNode }> {
  await post('/pools', { id: 'p', vmSize: 'local', taskSlotsPerNode: 2 });
  const node = await ScriptedNode.join(server, 'p', { slots: 2 });
  await post('/jobs', { id: 'j', poolInfo: { poolId: 'p' } });
  await post('/jobs/j/addtaskcollection', {
    value: ['bad', 'ok', 'run', 'run2', 'w1', 'w2'].map((id) => ({ id, commandLine: `/bin/echo ${id}` })),
  });
  const [bad, ok] = await node.claim(2);
  assert.deepEqual([bad?.taskId, ok?.taskId], ['bad', 'ok']);
  await node.complete(bad!, { exitCode: 3 });
  await node.complete(ok!, { exitCode: 0 });
  const running = await node.claim(2);
  assert.deepEqual(
    running.map((task) => task.taskId),
    ['run', 'run2'],
  );
  // What an agent would have written for the failed task.
  const dir = taskDirectory(localNodeRoot(server.dataDir, node.nodeId), 'j', 'bad');
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/stderr.txt`, 'line 1\nboom: input.csv is malformed\n');
  await writeFile(`${dir}/stdout.txt`, '');
  return { node };
}

describe('dashboard', () => {
  before(setUpRun);

  it('serves the page and its assets, and nothing outside the assets folder', async () => {
    const page = await ui('');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.body, /<script type="module" src="\/ui\/assets\/app\.js">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const script = await ui('/assets/app.js');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /text\/javascript/);
    assert.equal((await ui('/assets/style.css')).status, 200);
    assert.equal((await ui('/assets/missing.js')).status, 404);
    assert.equal((await ui('/assets/..%2Fui-routes.ts')).status, 404);
    assert.equal((await ui('/assets/%2e%2e%2fpackage.json')).status, 404);
  });

  it('overview: pools with node slot use, jobs with task counts', async () => {
    const overview = await uiJson('/overview');
    const pool = overview.pools.find((p: any) => p.id === 'p');
    assert.equal(pool.nodes.length, 1);
    assert.deepEqual(pool.nodeCounts, { running: 1 });
    assert.deepEqual(pool.slots, { busy: 2, free: 0, total: 2 });
    assert.deepEqual(pool.errors, []);
    const job = overview.jobs.find((j: any) => j.id === 'j');
    assert.deepEqual(job.counts, { active: 2, running: 2, completed: 2, succeeded: 1, failed: 1 });
    assert.equal(job.poolId, 'p');
  });

  it('job: counts and the wait-reason histogram from one snapshot', async () => {
    const job = await uiJson('/jobs/j');
    assert.equal(job.state, 'active');
    assert.deepEqual(job.counts, { active: 2, running: 2, completed: 2, succeeded: 1, failed: 1 });
    assert.equal(job.why.waiting.length, 1);
    assert.equal(job.why.waiting[0].code, 'NodesBusy', JSON.stringify(job.why.waiting));
    assert.equal(job.why.waiting[0].count, 2);
    const missing = await ui('/api/jobs/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'JobNotFound');
  });

  it('task table: server-side state filters with reasons', async () => {
    const failed = await uiJson('/jobs/j/tasks?state=failed');
    assert.deepEqual(
      failed.tasks.map((t: any) => [t.id, t.exitCode, t.reason.code]),
      [['bad', 3, 'FailureExitCode']],
    );
    assert.equal(failed.next, undefined);
    const succeeded = await uiJson('/jobs/j/tasks?state=succeeded');
    assert.deepEqual(
      succeeded.tasks.map((t: any) => t.id),
      ['ok'],
    );
    const running = await uiJson('/jobs/j/tasks?state=running');
    assert.deepEqual(
      running.tasks.map((t: any) => [t.id, t.nodeId !== undefined]),
      [
        ['run', true],
        ['run2', true],
      ],
    );
    const active = await uiJson('/jobs/j/tasks?state=active');
    assert.deepEqual(
      active.tasks.map((t: any) => [t.id, t.reason.code]),
      [
        ['w1', 'NodesBusy'],
        ['w2', 'NodesBusy'],
      ],
    );
    const bad = await ui('/api/jobs/j/tasks?state=sleeping');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'InvalidQueryParameterValue');
  });

  it('task table pages by cursor: every task once, in id order', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const query = `limit=4${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
      const result = await uiJson(`/jobs/j/tasks?${query}`);
      seen.push(...result.tasks.map((t: any) => t.id));
      assert.ok(result.tasks.length <= 4);
      after = result.next;
      if (after === undefined) break;
    }
    assert.deepEqual(seen, ['bad', 'ok', 'run', 'run2', 'w1', 'w2']);
  });

  it('task: execution and failure info, why, file sizes, allowed actions', async () => {
    const view = await uiJson('/jobs/j/tasks/bad');
    assert.equal(view.task.state, 'completed');
    assert.equal(view.task.executionInfo.exitCode, 3);
    assert.equal(view.task.executionInfo.failureInfo.code, 'FailureExitCode');
    assert.match(view.why.summary, /failed/);
    assert.deepEqual(view.files, [
      { name: 'stdout.txt', size: 0 },
      { name: 'stderr.txt', size: 36 },
    ]);
    assert.deepEqual(view.actions, { terminate: false, reactivate: true });
    const waiting = await uiJson('/jobs/j/tasks/w1');
    assert.equal(waiting.why.waitInfo.code, 'NodesBusy');
    assert.deepEqual(waiting.files, [{ name: 'stdout.txt' }, { name: 'stderr.txt' }]);
    assert.deepEqual(waiting.actions, { terminate: true, reactivate: false });
  });

  it('output files: the tail, a byte range, nothing past the end, only stdout/stderr', async () => {
    const tail = await ui('/api/jobs/j/tasks/bad/files/stderr.txt?length=10');
    assert.equal(tail.status, 200);
    assert.equal(tail.body, 'malformed\n');
    assert.equal(tail.headers.get('x-file-size'), '36');
    assert.equal(tail.headers.get('x-range-start'), '26');
    const range = await ui('/api/jobs/j/tasks/bad/files/stderr.txt?start=7&length=4');
    assert.equal(range.body, 'boom');
    const past = await ui('/api/jobs/j/tasks/bad/files/stderr.txt?start=36&length=100');
    assert.equal(past.body, '');
    assert.equal(past.headers.get('x-file-size'), '36');
    const other = await ui('/api/jobs/j/tasks/bad/files/wd%2Fsecret.txt');
    assert.equal(other.status, 404);
    const missing = await ui('/api/jobs/j/tasks/w1/files/stdout.txt');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'FileNotFound');
  });

  it('failures: grouped by exit code and first stderr line; failed rows carry the stderr line', async () => {
    const failures = await uiJson('/jobs/j/failures');
    assert.deepEqual(failures, {
      failed: 1,
      groups: [{ exitCode: 3, line: 'line 1', fromStderr: true, count: 1, exampleIds: ['bad'] }],
      more: { groups: 0, tasks: 0 },
      stderrRead: 1,
      truncated: false,
    });
    const rows = await uiJson('/jobs/j/tasks?state=failed');
    assert.equal(rows.tasks[0].stderr, 'line 1');
    assert.equal((await ui('/api/jobs/nope/failures')).status, 404);
  });

  it('actions need the dashboard header; reactivate and terminate change the task', async () => {
    const bare = await ui('/api/jobs/j/tasks/bad/reactivate', { method: 'POST' });
    assert.equal(bare.status, 403);
    const headers = { 'x-batchite-ui': '1' };
    const reactivated = await ui('/api/jobs/j/tasks/bad/reactivate', { method: 'POST', headers });
    assert.equal(reactivated.status, 200, JSON.stringify(reactivated.body));
    assert.equal(reactivated.body.state, 'active');
    const terminated = await ui('/api/jobs/j/tasks/w2/terminate', { method: 'POST', headers });
    assert.equal(terminated.status, 200);
    assert.equal(terminated.body.state, 'completed');
    const again = await ui('/api/jobs/j/tasks/w2/terminate', { method: 'POST', headers });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'TaskCompleted');
  });

  it('job actions: allowed by state, need the header, change the job; re-run failed reactivates', async () => {
    const headers = { 'x-batchite-ui': '1' };
    const job = await uiJson('/jobs/j');
    assert.deepEqual(job.actions, {
      disable: true,
      enable: false,
      terminate: true,
      delete: true,
      rerunFailed: true,
    });
    // w2 failed by termination above (no exit code); `bad` was reactivated.
    assert.equal((await ui('/api/jobs/j/rerun-failed', { method: 'POST' })).status, 403);
    const none = await ui('/api/jobs/j/rerun-failed?exitCode=3', { method: 'POST', headers });
    assert.deepEqual(none.body, { reactivated: [], notReactivated: [] });
    const rerun = await ui('/api/jobs/j/rerun-failed', { method: 'POST', headers });
    assert.deepEqual(rerun.body, { reactivated: ['w2'], notReactivated: [] });
    assert.equal((await uiJson('/jobs/j/tasks/w2')).task.state, 'active');
    const badCode = await ui('/api/jobs/j/rerun-failed?exitCode=x', { method: 'POST', headers });
    assert.equal(badCode.status, 400);

    await post('/jobs', { id: 'acts', poolInfo: { poolId: 'p' } });
    const act = (name: string) => ui(`/api/jobs/acts/${name}`, { method: 'POST', headers });
    assert.equal((await ui('/api/jobs/acts/disable', { method: 'POST' })).status, 403);
    assert.equal((await act('disable')).body.state, 'disabled');
    assert.deepEqual((await uiJson('/jobs/acts')).actions, {
      disable: false,
      enable: true,
      terminate: true,
      delete: true,
      rerunFailed: false,
    });
    assert.equal((await act('disable')).status, 200, 'disabling a disabled job changes nothing');
    assert.equal((await act('enable')).body.state, 'active');
    assert.equal((await act('terminate')).body.state, 'completed');
    const late = await act('rerun-failed');
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'JobCompleted');
    assert.equal((await act('delete')).body.state, 'deleting');
  });

  it('metrics: request, error and retry totals from the registry', async () => {
    const before = await uiJson('/metrics');
    await batch(server, 'GET', '/jobs/nope');
    const after = await uiJson('/metrics');
    assert.equal(after.requests, before.requests + 1);
    assert.equal(after.clientErrors, before.clientErrors + 1);
    assert.equal(after.runs.failure, 1);
    assert.equal(after.runs.success, 1);
    assert.deepEqual(after.throttled, { '429': 0, '503': 0 });
  });
});

/** Reads server-sent events until `want` accepts one; fails after `timeoutMs`. */
async function readEvents(
  url: string,
  token: string,
  want: (events: string[]) => boolean,
  timeoutMs = 10_000,
) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: string[] = [];
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop() ?? '';
      events.push(...blocks.filter((block) => block.includes('event: update')));
      if (want(events)) return events;
    }
  } catch (error) {
    if (controller.signal.aborted)
      assert.fail(`no matching event within ${timeoutMs} ms: ${JSON.stringify(events)}`);
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return assert.fail(`stream ended: ${JSON.stringify(events)}`);
}

describe('dashboard live updates', () => {
  it('sends an update at once, and another when something changes', async () => {
    await post('/jobs', { id: 'live', poolInfo: { poolId: 'p' } });
    let added = false;
    const events = await readEvents(`${server.url}/ui/api/events`, server.dashboardToken, (seen) => {
      if (seen.length === 1 && !added) {
        added = true;
        void post('/jobs/live/tasks', { id: 'new', commandLine: '/bin/true' });
      }
      return seen.length >= 2;
    });
    assert.match(events[0]!, /^retry: \d+\nevent: update\nid: \d+\ndata: \{"seq":\d+,"at":"[^"]+"\}$/);
    assert.match(events[1]!, /event: update/);
  });
});

/** A request from this machine (loopback, loopback Host) without any credential, as a task could send it. */
function anonymous(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, init);
}

describe('dashboard access', () => {
  it('refuses loopback callers without a credential: every API route, Batch error body, no data', async () => {
    for (const path of [
      '/ui/api/overview',
      '/ui/api/metrics',
      '/ui/api/events',
      '/ui/api/jobs/j',
      '/ui/api/jobs/j/tasks',
      '/ui/api/jobs/j/tasks/bad',
      '/ui/api/jobs/j/tasks/bad/files/stderr.txt',
    ]) {
      const response = await anonymous(path);
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.ok(response.headers.get('request-id'), 'request-id on a refusal');
      const body = (await response.json()) as { code: string; message: { value: string } };
      assert.equal(body.code, 'AuthenticationFailed', path);
      assert.doesNotMatch(JSON.stringify(body), /malformed|"pools"|"jobs"/);
    }
    const action = await anonymous('/ui/api/jobs/j/tasks/run/terminate', {
      method: 'POST',
      headers: { 'x-batchite-ui': '1' },
    });
    assert.equal(action.status, 401);
    assert.equal((await uiJson('/jobs/j/tasks/run')).task.state, 'running', 'nothing terminated');
  });

  it('accepts the dashboard token, the account key and a Shared Key signature; refuses wrong ones', async () => {
    const withAuth = (authorization: string) =>
      anonymous('/ui/api/overview', { headers: { authorization } }).then((r) => r.status);
    assert.equal(await withAuth(`Bearer ${server.dashboardToken}`), 200);
    assert.equal(await withAuth(`bearer   ${server.dashboardToken}`), 200);
    assert.equal(await withAuth(`Bearer ${server.accountKey}`), 200);
    assert.equal(await withAuth(`Bearer ${server.dashboardToken}x`), 401);
    assert.equal(await withAuth(`Bearer ${server.dashboardToken.slice(0, -1)}`), 401);
    assert.equal(await withAuth('Bearer '), 401);
    assert.equal(await withAuth('Basic Zm9vOmJhcg=='), 401);
    const headers: Record<string, string> = { 'ocp-date': new Date().toUTCString() };
    const signed = authorizationHeader(
      { method: 'GET', pathAndQuery: '/ui/api/overview', headers, accountName: server.accountName },
      server.accountKey,
    );
    const good = await anonymous('/ui/api/overview', { headers: { ...headers, authorization: signed } });
    assert.equal(good.status, 200);
    const forged = await anonymous('/ui/api/overview', {
      headers: { ...headers, authorization: `SharedKey ${server.accountName}:AAAA` },
    });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { code: string }).code, 'AuthenticationFailed');
  });

  it('refuses a loopback request that names another host (DNS rebinding), over real HTTP', async () => {
    const url = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: '/ui/api/overview', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);
    assert.equal((await ui('/api/overview', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal(
      (await ui('/api/overview', { headers: { authorization: `Bearer ${server.accountKey}` } })).status,
      200,
    );
  });

  it('from another address: 401 without a credential, 200 with it, page always served', async (t) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
    if (address === undefined) {
      t.skip('this machine has no non-loopback IPv4 address to connect from');
      return;
    }
    const key = Buffer.from('a dashboard test key that is not the dev key').toString('base64');
    const remote = await testServer({ host: '0.0.0.0', accountKey: key });
    try {
      const base = `http://${address}:${new URL(remote.url).port}/ui`;
      const denied = await fetch(`${base}/api/overview`);
      assert.equal(denied.status, 401);
      assert.match(denied.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal(((await denied.json()) as { code: string }).code, 'AuthenticationFailed');
      const allowed = await fetch(`${base}/api/overview`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(allowed.status, 200);
      const token = await fetch(`${base}/api/overview`, {
        headers: { authorization: `Bearer ${remote.dashboardToken}` },
      });
      assert.equal(token.status, 200);
      assert.equal((await fetch(base)).status, 200);
    } finally {
      await remote.dispose();
    }
  });
});
