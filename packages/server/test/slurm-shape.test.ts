import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSlurmVmSize, parseSlurmShape, refuseSlurmShape } from '../src/services/slurm-shape.js';

describe('Slurm pool shapes (vmSize slurm:<partition>:<cpus>[:<memory>])', () => {
  it('reads partition, CPUs and an optional memory', () => {
    assert.deepEqual(parseSlurmShape('slurm:batch:4'), { partition: 'batch', cpus: 4 });
    assert.deepEqual(parseSlurmShape('slurm:gpu-a100:16:64G'), {
      partition: 'gpu-a100',
      cpus: 16,
      memory: '64G',
    });
    assert.deepEqual(parseSlurmShape('SLURM:batch:1:512'), { partition: 'batch', cpus: 1, memory: '512' });
  });

  it('knows which vmSizes are Slurm ones', () => {
    assert.equal(isSlurmVmSize('slurm:batch:4'), true);
    assert.equal(isSlurmVmSize('standard_d2s_v3'), false);
    assert.equal(isSlurmVmSize(undefined), false);
  });

  it('refuses a malformed Slurm vmSize with InvalidPropertyValue naming vmSize, and nothing else', () => {
    for (const bad of [
      'slurm:',
      'slurm:batch',
      'slurm:batch:0',
      'slurm:batch:x',
      'slurm:b a:2',
      'slurm:b:2:8X',
      'slurm:b:2:8G:1',
    ]) {
      const error = refuseSlurmShape(bad);
      assert.equal(error?.code, 'InvalidPropertyValue', bad);
      assert.deepEqual(error?.values.slice(0, 2), [
        { key: 'PropertyName', value: 'vmSize' },
        { key: 'PropertyValue', value: bad },
      ]);
    }
    assert.equal(refuseSlurmShape('slurm:batch:2:8G'), undefined);
    assert.equal(refuseSlurmShape('local'), undefined);
    assert.equal(refuseSlurmShape(undefined), undefined);
  });
});
