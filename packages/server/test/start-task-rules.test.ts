/** The node state a pool's start task imposes, and the checks on the agent's start task reports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StartTask, StartTaskInformation } from '@batchite/protocol';
import { toStartTaskReport } from '../src/routes/run-reports.js';
import { startTaskNodeState } from '../src/services/start-task-service.js';
import type { NodeDoc } from '../src/store/documents.js';

function node(spec: StartTask | undefined, info?: StartTaskInformation): NodeDoc {
  return {
    poolId: 'p',
    entity: { id: 'n', state: 'idle', ...(info === undefined ? {} : { startTaskInfo: info }) },
    internal: { slots: 1, ...(spec === undefined ? {} : { startTask: { runId: 'r', spec } }) },
  };
}

const RUNNING: StartTaskInformation = { state: 'running', startTime: '2026-01-01T00:00:00Z', retryCount: 0 };
const SUCCEEDED: StartTaskInformation = { ...RUNNING, state: 'completed', result: 'success', exitCode: 0 };
const FAILED: StartTaskInformation = { ...RUNNING, state: 'completed', result: 'failure', exitCode: 3 };

describe('startTaskNodeState', () => {
  it('holds a waiting node back until its start task succeeded', () => {
    const spec = { commandLine: 'x' };
    assert.equal(startTaskNodeState(node(undefined)), undefined, 'no start task: state from what it runs');
    assert.equal(startTaskNodeState(node(spec)), 'starting');
    assert.equal(
      startTaskNodeState(node(spec, RUNNING)),
      'waitingforstarttask',
      'waitForSuccess defaults to true',
    );
    assert.equal(startTaskNodeState(node(spec, SUCCEEDED)), undefined);
    assert.equal(startTaskNodeState(node(spec, FAILED)), 'starttaskfailed');
  });

  it('without waitForSuccess only the first report is awaited; a failure does not hold the node', () => {
    const spec = { commandLine: 'x', waitForSuccess: false };
    assert.equal(startTaskNodeState(node(spec)), 'starting');
    assert.equal(startTaskNodeState(node(spec, RUNNING)), undefined);
    assert.equal(startTaskNodeState(node(spec, FAILED)), undefined);
  });
});

describe('toStartTaskReport', () => {
  const base = { runId: 'r', startTime: '2026-01-01T00:00:00Z', retryCount: 0 };

  it('keeps the fields of a completed attempt', () => {
    const report = toStartTaskReport({
      ...base,
      state: 'completed',
      endTime: '2026-01-01T00:00:01Z',
      exitCode: 3,
      final: true,
    });
    assert.deepEqual(report, {
      ...base,
      state: 'completed',
      endTime: '2026-01-01T00:00:01Z',
      exitCode: 3,
      final: true,
    });
  });

  it('refuses a malformed report with the field named', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, state: 'done' }, 'state'],
      [{ ...base, state: 'running', retryCount: -1 }, 'retryCount'],
      [{ ...base, state: 'running', runId: '' }, 'runId'],
      [{ ...base, state: 'completed', endTime: '2026-01-01T00:00:01Z' }, 'exitCode'],
    ];
    for (const [body, field] of cases) {
      assert.throws(
        () => toStartTaskReport(body),
        (error: { code?: string; values?: { value?: string }[] }) =>
          error.code === 'InvalidPropertyValue' && error.values?.[0]?.value === field,
        field,
      );
    }
  });
});
