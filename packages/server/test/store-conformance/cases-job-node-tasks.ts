/**
 * Conformance: a job's per-node preparation and release records live in its document, survive a reopen, and
 * the real claim policy reads them inside the claim transaction (a failed preparation blocks that node only;
 * a task that needs the preparation starts `preparing`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobDoc } from '../../src/store/documents.js';
import { claimPolicy } from '../../src/services/scheduler-policy.js';
import type { CaseContext } from './conformance-cases.js';
import { ids, jobDoc, taskDoc, T0 } from './fixtures.js';

const START = new Date(T0).toISOString();

function jobWithPreparation(id: string, failedOn: string): JobDoc {
  const base = jobDoc(id, { poolId: 'P' });
  return {
    entity: { ...base.entity, jobPreparationTask: { id: 'jobpreparation', commandLine: 'prep' } },
    internal: {
      nodeTasks: {
        [failedOn]: {
          poolId: 'P',
          boot: 'boot-1',
          prep: {
            state: 'completed',
            startTime: START,
            endTime: START,
            exitCode: 3,
            retryCount: 2,
            result: 'failure',
            failureInfo: { category: 'usererror', code: 'FailureExitCode' },
          },
        },
      },
    },
  };
}

export function jobNodeTaskCases(ctx: CaseContext): void {
  describe('job preparation and release records', () => {
    it('are written with the job and read back after a reopen', async () => {
      const { store } = ctx;
      assert.ok(await store.insertJob(jobWithPreparation('j', 'n1')));
      await store.mutateJob('j', (job) => ({
        next: {
          ...job,
          entity: { ...job.entity, state: 'terminating' },
          internal: {
            ...job.internal,
            nodeTasks: {
              ...job.internal.nodeTasks,
              n2: { poolId: 'P', releaseOrdered: true, releaseOrderedAt: T0 },
            },
          },
        },
        result: undefined,
      }));
      const reopened = await ctx.reopen();
      const [job] = await reopened.listJobsInStates(['terminating']);
      assert.equal(job?.internal.nodeTasks?.n1?.prep?.failureInfo?.code, 'FailureExitCode');
      assert.equal(job?.internal.nodeTasks?.n1?.prep?.retryCount, 2);
      assert.equal(job?.internal.nodeTasks?.n2?.releaseOrdered, true);
    });

    it('a failed preparation blocks the job on its node only; elsewhere tasks start preparing', async () => {
      const { store } = ctx;
      assert.ok(await store.insertJob(jobWithPreparation('j', 'n1')));
      const added = await store.addTasks('j', [taskDoc('j', 'a'), taskDoc('j', 'b')], () => undefined);
      assert.ok(added.every((doc) => doc !== undefined));
      const node = (nodeId: string) => ({ poolId: 'P', nodeId, accountUrl: 'http://x', boot: 'boot-1' });
      const now = ctx.clock.now();
      const blocked = await store.claimTasks(
        { poolId: 'P', nodeId: 'n1', freeSlots: 2, now },
        claimPolicy(node('n1'), START),
      );
      assert.deepEqual(ids(blocked), []);
      const elsewhere = await store.claimTasks(
        { poolId: 'P', nodeId: 'n2', freeSlots: 2, now },
        claimPolicy(node('n2'), START),
      );
      assert.deepEqual(ids(elsewhere), ['a', 'b']);
      for (const task of elsewhere) assert.equal(task.entity.state, 'preparing');
      assert.equal((await store.getTask('j', 'a'))?.entity.state, 'preparing');
      assert.equal((await store.countTasks('j')).running, 2, 'preparing counts as running');
    });
  });
}
