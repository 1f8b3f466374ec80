import { finishJobDeletion, settleJobState } from './jobs-service.js';
import type { ServiceContext } from './service-context.js';

/** A release task completed (or was given up): the ended job completes, or its deletion goes on. */
export async function continueJobEnd(context: ServiceContext, jobId: string): Promise<void> {
  const job = await context.store.getJob(jobId);
  if (job?.entity.state === 'deleting') await finishJobDeletion(context, jobId);
  else await settleJobState(context, jobId);
}
