import { isUnlimitedDuration, parseDuration, type ClaimedTask, type UserAccount } from '@batchite/protocol';
import type { FaultEngine } from '../faults/fault-engine.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { DEFAULT_RUN_AS, resolveRunAs } from './user-identity.js';

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

/** A command line that ends with `exitCode` (negative: killed by that signal), for the `exitCode` fault rule. */
export function exitingCommandLine(exitCode: number): string {
  return exitCode < 0 ? `/bin/sh -c 'kill -${-exitCode} $$'` : `/bin/sh -c 'exit ${exitCode}'`;
}

/** The job's pool has no such account (it did not exist when the task was added): the run fails, unprivileged. */
const MISSING_ACCOUNT_COMMAND = `/bin/sh -c 'echo "userIdentity.userName is not a user account of the pool" >&2; exit 1'`;

export function toClaimedTask(
  task: TaskDoc,
  job: JobDoc | undefined,
  faults: FaultEngine,
  account: { accountName: string; accountUrl: string; userAccounts?: readonly UserAccount[] },
): ClaimedTask {
  const attempt = task.internal.runs ?? 1;
  const lease = task.internal.lease;
  const forcedExit = faults.active
    ? faults.exitCodeFor(
        {
          jobId: task.jobId,
          taskId: task.entity.id,
          ...(lease === undefined ? {} : { poolId: lease.poolId, nodeId: lease.nodeId }),
        },
        attempt,
      )
    : undefined;
  const runAs = resolveRunAs(task.entity.userIdentity, account.userAccounts ?? []);
  const commandLine = runAs === undefined ? MISSING_ACCOUNT_COMMAND : (task.entity.commandLine ?? '');
  const claimed: ClaimedTask = {
    jobId: task.jobId,
    taskId: task.entity.id,
    leaseToken: lease?.token ?? '',
    commandLine: forcedExit === undefined ? commandLine : exitingCommandLine(forcedExit),
    environment: taskEnvironment(task, job, account),
    requiredSlots: task.entity.requiredSlots ?? 1,
    attempt,
    runAs: runAs ?? DEFAULT_RUN_AS,
  };
  const wallClock = parseDuration(task.entity.constraints?.maxWallClockTime ?? '');
  if (wallClock !== undefined && !isUnlimitedDuration(wallClock)) claimed.maxWallClockTimeMs = wallClock;
  return claimed;
}
