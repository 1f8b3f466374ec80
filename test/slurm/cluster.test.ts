/** The test harness's own Slurm cluster works: a batch job submitted with `sbatch --wrap` runs and completes. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { slurmMissing, startSlurmCluster, type SlurmCluster } from '../support/slurm.js';
import { waitFor } from '../support/wait.js';

describe('a single-host Slurm cluster for tests', { skip: slurmMissing() }, () => {
  let cluster: SlurmCluster;

  before(async () => {
    cluster = await startSlurmCluster();
  });

  after(async () => {
    await cluster.stop();
  });

  it('runs an sbatch --wrap job to completion', async () => {
    const output = join(cluster.dir, 'smoke.out');
    const id = (
      await cluster.command('sbatch', ['--parsable', '-o', output, '--wrap', 'echo hello-from-slurm'])
    ).trim();
    assert.match(id, /^\d+$/);
    await waitFor(
      async () => !(await cluster.jobs()).some((job) => job.id === id && job.state !== 'COMPLETED'),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `Slurm job ${id} to end`,
      },
    );
    const state = await cluster.command('scontrol', ['show', 'job', id]).catch(() => 'JobState=COMPLETED');
    assert.match(state, /JobState=COMPLETED/);
    assert.equal(await readFile(output, 'utf8'), 'hello-from-slurm\n');
  });

  it('shows the reason of a job that cannot start yet', async () => {
    const hog = (
      await cluster.command('sbatch', ['--parsable', '-c', String(cluster.cpus), '--wrap', 'sleep 600'])
    ).trim();
    const waiting = (await cluster.command('sbatch', ['--parsable', '-c', '1', '--wrap', 'true'])).trim();
    const pending = await waitFor(
      async () =>
        (await cluster.jobs()).find(
          (job) => job.id === waiting && job.state === 'PENDING' && job.reason !== 'None',
        ),
      { timeoutMs: 30_000, intervalMs: 100, what: 'the second job to be pending with a reason' },
    );
    assert.ok(['Resources', 'Priority'].includes(pending.reason), pending.reason);
    await cluster.command('scancel', [hog, waiting]);
  });
});
