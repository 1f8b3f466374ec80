/** Pure parts: verify-then-accept comparison, error kinds, state explanations, chunking, URL building. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { kindOf, matchesSent, OPERATION_POLICIES, type OperationPolicy } from '../src/index.js';
import { buildUrl, serverTimeoutSeconds, type TransportConfig } from '../src/http/transport.js';
import { explainStateError } from '../src/state-explanations.js';
import { ChunkQueue, type TaskEntry } from '../src/task-chunks.js';

describe('matchesSent (verify-then-accept)', () => {
  const sent = {
    id: 'Task1',
    commandLine: '/bin/sh -c "exit 0"',
    constraints: { maxWallClockTime: 'PT60M', maxTaskRetryCount: 2 },
    dependsOn: { taskIds: ['A'] },
    exitConditions: { default: { jobAction: 'Terminate' } },
    environmentSettings: [{ name: 'X', value: '1' }],
    userIdentity: { autoUser: { scope: 'task' } },
    usesTaskDependencies: false,
  };
  const stored = {
    id: 'task1',
    url: 'http://x/jobs/j/tasks/task1',
    state: 'active',
    commandLine: '/bin/sh -c "exit 0"',
    constraints: { maxWallClockTime: 'PT1H', retentionTime: 'P7D', maxTaskRetryCount: 2 },
    dependsOn: { taskIds: ['a'] },
    exitConditions: { default: { jobAction: 'terminate' } },
    environmentSettings: [{ name: 'X', value: '1' }],
    userIdentity: { autoUser: { scope: 'task' } },
  };

  it('accepts a stored entity with defaults added, case-insensitive ids/enums and equal durations', () => {
    assert.deepEqual(matchesSent(sent, stored), { match: true });
  });

  it('rejects a different command line, count or array, naming the field', () => {
    assert.deepEqual(matchesSent({ ...sent, commandLine: 'other' }, stored), {
      match: false,
      mismatchAt: 'commandLine',
    });
    assert.equal(
      matchesSent({ ...sent, constraints: { maxTaskRetryCount: 3 } }, stored).mismatchAt,
      'constraints.maxTaskRetryCount',
    );
    assert.equal(
      matchesSent({ ...sent, environmentSettings: [{ name: 'X', value: '2' }] }, stored).mismatchAt,
      'environmentSettings[0].value',
    );
    assert.equal(matchesSent({ ...sent, displayName: 'n' }, stored).mismatchAt, 'displayName');
    assert.equal(
      matchesSent({ ...sent, commandLine: '/BIN/SH -c "exit 0"' }, stored).match,
      false,
      'case matters here',
    );
  });

  it('skips secrets the service never returns', () => {
    const pool = { id: 'p', userAccounts: [{ name: 'u', password: 'secret' }] };
    assert.equal(matchesSent(pool, { id: 'P', userAccounts: [{ name: 'u' }] }).match, true);
  });
});

describe('kindOf', () => {
  it('uses the catalog family first, then the status', () => {
    assert.equal(kindOf('TaskExists', 409), 'alreadyExists');
    assert.equal(kindOf('JobScheduleExists', 409), 'alreadyExists');
    assert.equal(kindOf('TaskCompleted', 409), 'invalidOperation');
    assert.equal(kindOf('ServerBusy', 503), 'throttled');
    assert.equal(kindOf(undefined, 503), 'server');
    assert.equal(kindOf(undefined, 503, 1000), 'throttled');
    assert.equal(kindOf(undefined, 429), 'throttled');
    assert.equal(kindOf('SomethingNew', 404), 'notFound');
    assert.equal(kindOf(undefined, 401), 'auth');
    assert.equal(kindOf(undefined, 400), 'badRequest');
    assert.equal(kindOf(undefined, 408), 'network');
  });
});

describe('explainStateError', () => {
  it('names the resource, its state and what the operation needs', () => {
    const ids = { jobId: 'j1', taskId: 't1', poolId: 'p1' };
    assert.equal(
      explainStateError('JobCompleted', OPERATION_POLICIES.createTask, ids),
      'job j1 is already completed; add tasks applies to an active or disabled job',
    );
    assert.equal(
      explainStateError('PoolBeingResized', OPERATION_POLICIES.resizePool, ids),
      'pool p1 is being resized; resize applies to a pool whose allocation state is steady and that does not use autoscale',
    );
    assert.equal(
      explainStateError('OperationInvalidForCurrentState', OPERATION_POLICIES.deleteJob, ids),
      'job j1 is not in a state that allows delete',
    );
  });
});

describe('ChunkQueue', () => {
  const entry = (index: number, bytes = 10): TaskEntry => ({
    index,
    task: { id: `t${index}`, commandLine: 'x' },
    bytes,
    attempts: 0,
    ambiguous: false,
  });

  it('cuts by count and by bytes, never leaving a task behind', () => {
    const entries = [entry(0), entry(1), entry(2, 60), entry(3, 200), entry(4)];
    const queue = new ChunkQueue(entries, 2, 100);
    const chunks: number[][] = [];
    for (let c = queue.next(); c; c = queue.next()) chunks.push(c.map((e) => e.index));
    assert.deepEqual(chunks, [[0, 1], [2], [3], [4]]);
  });

  it('serves split halves first and keeps the lowered size', () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(i));
    const queue = new ChunkQueue(entries, 8, 1_000_000);
    const first = queue.next() ?? [];
    queue.split(first);
    assert.deepEqual(
      queue.next()?.map((e) => e.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      queue.next()?.map((e) => e.index),
      [4, 5, 6, 7],
    );
    assert.deepEqual(
      queue.next()?.map((e) => e.index),
      [8, 9],
    );
    assert.equal(queue.next(), undefined);
  });
});

describe('URLs', () => {
  const config: TransportConfig = {
    endpoint: 'http://h:1/acct',
    accountName: 'a',
    accountKey: 'aw==',
    apiVersion: '2022-10-01.16.0',
    userAgent: 'u',
    fetch: globalThis.fetch,
    now: () => 0,
  };

  it('puts own parameters before api-version and keeps a nextLink verbatim except api-version and timeout', () => {
    const first = buildUrl(
      config,
      { method: 'GET', path: '/jobs', query: [['$filter', "id eq 'a b'"]], expect: [200], read: 'json' },
      30,
    );
    assert.equal(
      first,
      "http://h:1/acct/jobs?$filter=id%20eq%20'a%20b'&api-version=2022-10-01.16.0&timeout=30",
    );
    const next = buildUrl(config, {
      method: 'GET',
      path: '',
      url: 'http://h:1/acct/jobs?api-version=old&$skiptoken=X%2FY&timeout=5',
      expect: [200],
      read: 'json',
    });
    assert.equal(next, 'http://h:1/acct/jobs?api-version=2022-10-01.16.0&$skiptoken=X%2FY');
  });

  it('derives the server timeout from the remaining deadline, 1..30 s', () => {
    assert.equal(serverTimeoutSeconds(undefined), undefined);
    assert.equal(serverTimeoutSeconds(Number.POSITIVE_INFINITY), undefined);
    assert.equal(serverTimeoutSeconds(120_000), 30);
    assert.equal(serverTimeoutSeconds(9_999), 9);
    assert.equal(serverTimeoutSeconds(200), 1);
  });
});

describe('docs/retry.md', () => {
  it('lists every operation policy exactly as OPERATION_POLICIES has it', () => {
    const docs = readFileSync(new URL('../../../../docs/retry.md', import.meta.url), 'utf8');
    const section = docs.slice(docs.indexOf('## Per-operation policies (client)'));
    for (const [name, policy] of Object.entries(OPERATION_POLICIES) as [string, OperationPolicy][]) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${name}\` `));
      assert.ok(row, `row for ${name}`);
      const cells = row.split('|').map((cell) => cell.trim());
      assert.equal(cells[2], `${policy.method} \`${policy.path}\``, name);
      assert.equal(cells[3], policy.success.join(', '), name);
      assert.equal(cells[4], policy.class, name);
      for (const code of policy.convergedOn ?? []) assert.ok(cells[5]?.includes(code), name);
    }
  });
});
