/**
 * Issue 12, point 4: the dashboard, `/metrics` and the health details are not an open door. The attacker is a
 * task on the server's machine: it reaches the server over loopback with no credential. Real server, real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer } from '@batchite/server';
import { dropPostgresStore, postgresStoreFor } from '../support/pg-store.js';
import { rawRequest } from '../support/raw.js';
import { makeDataDir, removeDataDir, withServer } from '../support/server.js';
import { assertAnswerIsBatchError, plain } from './http-support.js';

const JOB = 'sec-job';
const TASK = 'sec-task';
/** Environment values a task owner would never want on a screen. */
const SECRETS = {
  DB_PASSWORD: 'hunter2-db',
  API_KEY: 'k-123456789',
  AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0',
  GITHUB_TOKEN: 'ghp_secretvalue',
};
const SAS_SIGNATURE = 'sv-sig-value-123';

describe('dashboard and operational endpoints without a credential', () => {
  const handle = withServer();
  const url = () => handle.server.url;
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

  before(async () => {
    const server = handle.server;
    const send = async (path: string, body: unknown) => {
      const answer = await rawRequest(server, { method: 'POST', path, body });
      assert.equal(answer.status, 201, `${path}: ${answer.text}`);
    };
    await send('/pools', { id: 'sec-pool', vmSize: 'local' });
    await send('/jobs', { id: JOB, poolInfo: { poolId: 'sec-pool' } });
    await send(`/jobs/${JOB}/tasks`, {
      id: TASK,
      commandLine: '/bin/true',
      environmentSettings: [
        ...Object.entries(SECRETS).map(([name, value]) => ({ name, value })),
        { name: 'MODE', value: 'fast' },
      ],
      resourceFiles: [
        { httpUrl: `https://acct.blob.example/c/in.csv?sv=2024&sig=${SAS_SIGNATURE}`, filePath: 'in.csv' },
      ],
    });
  });

  const leaks = (text: string) => {
    for (const value of [...Object.values(SECRETS), SAS_SIGNATURE, TASK, '/bin/true']) {
      assert.ok(!text.includes(value), `the refusal leaks ${value}: ${text.slice(0, 300)}`);
    }
  };

  it('dashboard API: every route refuses a loopback caller without a credential (401, Batch body, no data)', async () => {
    for (const path of [
      '/ui/api/overview',
      '/ui/api/metrics',
      '/ui/api/events',
      `/ui/api/jobs/${JOB}`,
      `/ui/api/jobs/${JOB}/tasks`,
      `/ui/api/jobs/${JOB}/tasks/${TASK}`,
      `/ui/api/jobs/${JOB}/tasks/${TASK}?reveal=true`,
      `/ui/api/jobs/${JOB}/tasks/${TASK}/files/stdout.txt`,
      `/ui/api/jobs/${JOB}/failures`,
    ]) {
      const answer = await plain(`${url()}${path}`);
      assertAnswerIsBatchError(answer, 401, 'AuthenticationFailed');
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer /, path);
      leaks(answer.text);
    }
  });

  it('dashboard actions: task terminate and the job actions without a credential are refused and change nothing', async () => {
    for (const authorization of [undefined, 'Bearer not-the-token', `Bearer ${handle.server.accountKey}x`]) {
      const answer = await plain(`${url()}/ui/api/jobs/${JOB}/tasks/${TASK}/terminate`, {
        method: 'POST',
        headers: { 'x-batchite-ui': '1', ...(authorization === undefined ? {} : { authorization }) },
      });
      assertAnswerIsBatchError(answer, 401, 'AuthenticationFailed');
    }
    for (const action of ['disable', 'terminate', 'delete', 'rerun-failed']) {
      const answer = await plain(`${url()}/ui/api/jobs/${JOB}/${action}`, {
        method: 'POST',
        headers: { 'x-batchite-ui': '1' },
      });
      assertAnswerIsBatchError(answer, 401, 'AuthenticationFailed');
    }
    const task = await rawRequest(handle.server, { method: 'GET', path: `/jobs/${JOB}/tasks/${TASK}` });
    assert.equal((task.json as { state: string }).state, 'active');
    const job = await rawRequest(handle.server, { method: 'GET', path: `/jobs/${JOB}` });
    assert.equal((job.json as { state: string }).state, 'active');
  });

  it('dashboard page: served without a credential, and it holds no data', async () => {
    const page = await plain(`${url()}/ui`);
    assert.equal(page.status, 200);
    assert.ok(!page.text.includes(JOB), 'the page carries no job data');
    leaks(page.text);
  });

  it('dashboard with the token: served; secret-looking environment values and SAS signatures masked', async () => {
    const view = await plain(`${url()}/ui/api/jobs/${JOB}/tasks/${TASK}`, {
      headers: bearer(handle.server.dashboardToken),
    });
    assert.equal(view.status, 200, view.text);
    const env = Object.fromEntries(
      (view.json.task.environmentSettings as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    for (const name of Object.keys(SECRETS)) assert.equal(env[name], '***', name);
    assert.equal(env.MODE, 'fast', 'ordinary values are shown');
    assert.match(view.json.task.resourceFiles[0].httpUrl, /sig=\*\*\*/);
    for (const value of [...Object.values(SECRETS), SAS_SIGNATURE])
      assert.ok(!view.text.includes(value), value);
    // The account key as a bearer token is the scripts' credential; it sees the same masked view.
    const scripted = await plain(`${url()}/ui/api/jobs/${JOB}/tasks/${TASK}`, {
      headers: bearer(handle.server.accountKey),
    });
    assert.equal(scripted.status, 200);
    assert.ok(!scripted.text.includes(SECRETS.DB_PASSWORD));
  });

  it('dashboard reveal: the values only when asked for on purpose, and only with the credential', async () => {
    const revealed = await plain(`${url()}/ui/api/jobs/${JOB}/tasks/${TASK}?reveal=true`, {
      headers: bearer(handle.server.dashboardToken),
    });
    assert.equal(revealed.status, 200);
    assert.ok(revealed.text.includes(SECRETS.DB_PASSWORD));
    assert.ok(revealed.text.includes(SAS_SIGNATURE));
  });

  it('health: "up" and nothing else without a credential; details with one', async () => {
    const open = await plain(`${url()}/.batchite/health`);
    assert.equal(open.status, 200);
    assert.deepEqual(open.json, { status: 'up' });
    assert.ok(open.headers.get('request-id'));
    const wrong = await plain(`${url()}/.batchite/health`, { headers: bearer('wrong') });
    assertAnswerIsBatchError(wrong, 401, 'AuthenticationFailed');
    for (const secret of [handle.server.dashboardToken, handle.server.accountKey]) {
      const details = await plain(`${url()}/.batchite/health`, { headers: bearer(secret) });
      assert.equal(details.status, 200);
      assert.equal(details.json.status, 'up');
      assert.match(details.json.store, /^(sqlite|postgres)/);
      assert.equal(typeof details.json.version, 'string');
    }
  });

  it('metrics: 401 without a credential (no series in the body); served with the account key or the token', async () => {
    for (const headers of [{}, bearer('wrong'), bearer(handle.server.dashboardToken.slice(1))]) {
      const refused = await plain(`${url()}/metrics`, { headers });
      assertAnswerIsBatchError(refused, 401, 'AuthenticationFailed');
      assert.doesNotMatch(refused.text, /batchite_/);
    }
    for (const secret of [handle.server.accountKey, handle.server.dashboardToken]) {
      const scrape = await plain(`${url()}/metrics`, { headers: bearer(secret) });
      assert.equal(scrape.status, 200);
      assert.match(scrape.text, /^batchite_tasks\{state="active"\} \d+$/m);
    }
  });

  it('unknown paths: a Batch 404 with request-id on every surface', async () => {
    for (const path of ['/nope', '/ui/api/nope', '/ui/nope/deeper', '/.batchite/nope', '/metrics/nope']) {
      assertAnswerIsBatchError(await plain(`${url()}${path}`), 404, 'ResourceNotFound');
    }
  });
});

describe('health with a store URL that carries a password', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await makeDataDir();
  });
  after(async () => {
    await dropPostgresStore(dataDir);
    await removeDataDir(dataDir);
  });

  it('never shows it: not without a credential, masked with one', async () => {
    const store = new URL(await postgresStoreFor(dataDir));
    store.searchParams.set('password', 'pg-secret-in-query');
    const server = await startServer({ port: 0, logLevel: false, dataDir, store: store.toString() });
    try {
      const open = await plain(`${server.url}/.batchite/health`);
      assert.deepEqual(open.json, { status: 'up' });
      const details = await plain(`${server.url}/.batchite/health`, {
        headers: { authorization: `Bearer ${server.dashboardToken}` },
      });
      assert.equal(details.status, 200);
      assert.match(details.json.store, /^postgres:\/\/.*password=\*\*\*/);
      assert.ok(!details.text.includes('pg-secret-in-query'));
    } finally {
      await server.close();
    }
  });
});
