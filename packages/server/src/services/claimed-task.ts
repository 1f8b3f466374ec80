import { isUnlimitedDuration, parseDuration } from '@batchite/protocol';
import type { JobDoc, TaskDoc } from '../store/documents.js';

/** What an agent receives for a claimed task (docs/node-api.md). */
export interface ClaimedTask {
  jobId: string;
  taskId: string;
  leaseToken: string;
  commandLine: string;
  environment: Record<string, string>;
  maxWallClockTimeMs?: number;
  requiredSlots: number;
  attempt: number;
}

/**
 * The task's environment: job common settings, then task settings (task wins), then the AZ_BATCH_* variables
 * that do not depend on the node's directories (the agent adds those).
 */
export function taskEnvironment(
  task: TaskDoc,
  job: JobDoc | undefined,
  account: { accountName: string; accountUrl: string },
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const setting of job?.entity.commonEnvironmentSettings ?? [])
    environment[setting.name] = setting.value ?? '';
  for (const setting of task.entity.environmentSettings ?? [])
    environment[setting.name] = setting.value ?? '';
  Object.assign(environment, {
    AZ_BATCH_ACCOUNT_NAME: account.accountName,
    AZ_BATCH_ACCOUNT_URL: account.accountUrl,
    AZ_BATCH_JOB_ID: task.jobId,
    AZ_BATCH_TASK_ID: task.entity.id,
  });
  return environment;
}

export function toClaimedTask(
  task: TaskDoc,
  job: JobDoc | undefined,
  account: { accountName: string; accountUrl: string },
): ClaimedTask {
  const claimed: ClaimedTask = {
    jobId: task.jobId,
    taskId: task.entity.id,
    leaseToken: task.internal.lease?.token ?? '',
    commandLine: task.entity.commandLine ?? '',
    environment: taskEnvironment(task, job, account),
    requiredSlots: task.entity.requiredSlots ?? 1,
    attempt: task.internal.runs ?? 1,
  };
  const wallClock = parseDuration(task.entity.constraints?.maxWallClockTime ?? '');
  if (wallClock !== undefined && !isUnlimitedDuration(wallClock)) claimed.maxWallClockTimeMs = wallClock;
  return claimed;
}
