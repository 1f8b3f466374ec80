import { isUnlimitedDuration, parseDuration, type ClaimedTask, type UserAccount } from '@batchite/protocol';
import type { FaultEngine } from '../faults/fault-engine.js';
import type { Account } from '../http/authentication.js';
import { issueJobToken, JOB_TOKEN_LIFETIME_MS } from '../http/job-token.js';
import type { JobDoc, TaskDoc } from '../store/documents.js';
import { preparationOrder } from './job-task-service.js';
import type { LinkedStorage } from './linked-storage.js';
import { resourceFileOrders } from './resource-file-orders.js';
import { DEFAULT_RUN_AS, resolveRunAs } from './user-identity.js';

/** What the claim answer knows about the account: names, URL, pool users, and the key that signs job tokens. */
export interface ClaimAccount {
  accountName: string;
  /** The endpoint the agent reached (AZ_BATCH_ACCOUNT_URL). */
  accountUrl: string;
  userAccounts?: readonly UserAccount[];
  /** Signs job-scoped tokens; without it no task gets one. */
  signing?: Account;
  /** Injected clock, ms (token expiry). */
  nowMs?: number;
  /** The linked storage account that `autoStorageContainerName` resolves against. */
  storage?: LinkedStorage | undefined;
}

/**
 * The task's environment: job common settings, then task settings (task wins), then the AZ_BATCH_* variables
 * that do not depend on the node's directories (the agent adds those).
 */
export function taskEnvironment(
  task: TaskDoc,
  job: JobDoc | undefined,
  account: ClaimAccount,
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
  const token = jobToken(task, job, account);
  if (token !== undefined) environment.AZ_BATCH_AUTHENTICATION_TOKEN = token;
  return environment;
}

/**
 * The job-scoped token of a task that asked for one (`authenticationTokenSettings.access` includes `job`);
 * a task that did not ask gets no credential at all.
 */
function jobToken(task: TaskDoc, job: JobDoc | undefined, account: ClaimAccount): string | undefined {
  const wanted = task.entity.authenticationTokenSettings?.access?.includes('job') === true;
  if (!wanted || job === undefined || account.signing === undefined) return undefined;
  const nowMs = account.nowMs ?? Date.now();
  return issueJobToken(account.signing, {
    jobId: job.entity.id,
    nonce: job.internal.tokenNonce ?? '',
    expiresAt: nowMs + JOB_TOKEN_LIFETIME_MS,
  });
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
  account: ClaimAccount,
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
    // An exclusive run (job manager) holds every slot of its node: the agent counts them as taken.
    requiredSlots: lease?.slots ?? task.entity.requiredSlots ?? 1,
    attempt,
    runAs: runAs ?? DEFAULT_RUN_AS,
  };
  const wallClock = parseDuration(task.entity.constraints?.maxWallClockTime ?? '');
  if (wallClock !== undefined && !isUnlimitedDuration(wallClock)) claimed.maxWallClockTimeMs = wallClock;
  // A `preparing` task waits for the preparation; with waitForSuccess false the agent starts it beside the task.
  const waits = job?.entity.jobPreparationTask?.waitForSuccess !== false;
  const preparation =
    job === undefined
      ? undefined
      : preparationOrder(job, account, !waits || task.entity.state === 'preparing');
  if (preparation !== undefined) claimed.jobPreparation = preparation;
  const nowMs = account.nowMs ?? Date.now();
  const files = task.entity.resourceFiles ?? [];
  if (files.length > 0) claimed.resourceFiles = resourceFileOrders(files, account.storage, nowMs);
  // Present only on a multi-instance task's coordination runs (gang-runs.ts).
  const common = task.entity.multiInstanceSettings?.commonResourceFiles ?? [];
  if (common.length > 0) claimed.commonResourceFiles = resourceFileOrders(common, account.storage, nowMs);
  const outputs = task.entity.outputFiles ?? [];
  if (outputs.length > 0) claimed.outputFiles = outputs;
  return claimed;
}
