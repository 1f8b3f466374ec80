import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocationFailed,
  MAX_FAILED_STARTS,
  NodeStartFailures,
} from '../src/services/node-start-failures.js';

describe('NodeStartFailures', () => {
  it('reports a node once its starts failed MAX_FAILED_STARTS times in a row, then counts afresh', () => {
    const starts = new NodeStartFailures();
    const outcomes: (number | undefined)[] = [];
    for (let attempt = 0; attempt < 2 * MAX_FAILED_STARTS; attempt++) {
      starts.launched('p/n1');
      outcomes.push(starts.exited('p/n1'));
    }
    const limit = MAX_FAILED_STARTS;
    assert.deepEqual(outcomes, [
      ...Array<undefined>(limit - 1).fill(undefined),
      limit,
      ...Array<undefined>(limit - 1).fill(undefined),
      limit,
    ]);
  });

  it('an exit after the node joined is no failed start, and a join clears the count', () => {
    const starts = new NodeStartFailures();
    for (let attempt = 1; attempt < MAX_FAILED_STARTS; attempt++) {
      starts.launched('p/n1');
      assert.equal(starts.exited('p/n1'), undefined);
    }
    starts.launched('p/n1');
    starts.joined('p/n1');
    assert.equal(starts.exited('p/n1'), undefined, 'it joined: an ordinary agent exit');
    for (let attempt = 1; attempt < MAX_FAILED_STARTS; attempt++) {
      starts.launched('p/n1');
      assert.equal(starts.exited('p/n1'), undefined, 'counting starts again from zero');
    }
    starts.launched('p/n2');
    assert.equal(starts.exited('p/n2'), undefined, 'nodes are counted apart');
  });

  it('forget drops a node that is no longer wanted', () => {
    const starts = new NodeStartFailures();
    for (let attempt = 1; attempt < MAX_FAILED_STARTS; attempt++) {
      starts.launched('p/n1');
      starts.exited('p/n1');
    }
    starts.forget('p/n1');
    starts.launched('p/n1');
    assert.equal(starts.exited('p/n1'), undefined);
  });

  it('AllocationFailed names the node and the failed starts', () => {
    assert.deepEqual(allocationFailed('tvm-p-1', 3).values, [
      { name: 'NodeId', value: 'tvm-p-1' },
      { name: 'FailedStarts', value: '3' },
    ]);
    assert.equal(allocationFailed('tvm-p-1', 3).code, 'AllocationFailed');
  });
});
