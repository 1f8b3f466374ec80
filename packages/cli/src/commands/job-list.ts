/**
 * `batchite job list`: every job with its task counts (one task-counts call per job, a few at a time) and how
 * long it has run — creation to end, or to now while it is not completed.
 */
import type { Command } from 'commander';
import { isBatchError, type BatchClient } from '@batchite/client';
import type { CloudJob, TaskCounts } from '@batchite/protocol';
import { clientAction } from '../command-context.js';
import { elapsed, outputFormat, shortTime, withOutputOptions, type OutputFlags } from '../output.js';
import { collect, printList, type ResourceView } from '../resources.js';
import { stateColor } from '../style.js';
import { JOB_VIEW } from './job.js';

type ListedJob = CloudJob & { taskCounts?: TaskCounts };

/** Task-count calls in flight. */
const AT_ONCE = 8;

const count = (job: ListedJob, key: keyof TaskCounts) =>
  job.taskCounts === undefined ? '?' : String(job.taskCounts[key]);

export const JOB_LIST_VIEW: ResourceView<ListedJob> = {
  id: (job) => job.id ?? '',
  // Read at call time: job.ts imports this module (a cycle), so JOB_VIEW is not there yet when this one loads.
  fields: (job, style) => JOB_VIEW.fields(job, style),
  headers: ['ID', 'STATE', 'POOL', 'ACTIVE', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ELAPSED', 'CREATED'],
  row: (job, style) => [
    job.id ?? '',
    stateColor(style, job.state ?? ''),
    job.poolInfo?.poolId ?? '',
    count(job, 'active'),
    count(job, 'running'),
    count(job, 'succeeded'),
    job.taskCounts !== undefined && job.taskCounts.failed > 0
      ? style.red(count(job, 'failed'))
      : count(job, 'failed'),
    elapsed(job.creationTime, job.state === 'completed' ? job.executionInfo?.endTime : undefined),
    shortTime(job.creationTime),
  ],
};

async function withCounts(client: BatchClient, jobs: CloudJob[]): Promise<ListedJob[]> {
  const listed: ListedJob[] = [...jobs];
  for (let i = 0; i < listed.length; i += AT_ONCE) {
    await Promise.all(
      listed.slice(i, i + AT_ONCE).map(async (job, offset) => {
        try {
          const { taskCounts } = await client.getJobTaskCounts(job.id ?? '');
          listed[i + offset] = { ...job, taskCounts };
        } catch (error) {
          // Deleted since the list was read: shown without counts ('?').
          if (!isBatchError(error) || error.kind !== 'notFound') throw error;
        }
      }),
    );
  }
  return listed;
}

export function registerJobList(job: Command): void {
  withOutputOptions(job.command('list').description('List jobs with their task counts and elapsed time.'))
    .option('--filter <odata>', 'OData $filter, e.g. "state eq \'active\'"')
    .action(
      clientAction<OutputFlags & { filter?: string }>(async (ctx) => {
        const { client } = await ctx.connection();
        const filter = ctx.opts.filter;
        const jobs = await collect(client.listJobs(filter === undefined ? {} : { filter }));
        const listed = outputFormat(ctx.opts) === 'name' ? jobs : await withCounts(client, jobs);
        printList(ctx, listed, JOB_LIST_VIEW, 'no jobs');
      }),
    );
}
