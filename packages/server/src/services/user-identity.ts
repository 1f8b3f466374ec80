/**
 * A task's `userIdentity`, resolved against its pool's `userAccounts`:
 *
 * - absent: the task-scope non-admin auto-user (Batch: "If omitted, the Task runs as a non-administrative user
 *   unique to the Task"), so tasks cannot read one another's files;
 * - `autoUser`: scope default `pool`, elevationLevel default `nonadmin` (the Batch defaults);
 * - `userName`: one of the pool's user accounts. An unknown name is refused at add time when the job's pool
 *   exists (400 naming `userIdentity.userName`); a pool that lost the account later fails the run to launch.
 */
import type { TaskAddParameter, TaskRunAs, UserAccount, UserIdentity } from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';
import type { JobDoc } from '../store/documents.js';
import type { ServiceContext } from './service-context.js';

/** What a task without `userIdentity` runs as. */
export const DEFAULT_RUN_AS: TaskRunAs = Object.freeze({
  kind: 'auto',
  scope: 'task',
  elevationLevel: 'nonadmin',
});

/** The run identity of `identity`; undefined when it names an account the pool does not have. */
export function resolveRunAs(
  identity: UserIdentity | undefined,
  accounts: readonly UserAccount[],
): TaskRunAs | undefined {
  if (identity?.userName !== undefined) {
    const account = accounts.find((candidate) => candidate.name === identity.userName);
    if (account === undefined) return undefined;
    const linux = account.linuxUserConfiguration;
    return {
      kind: 'account',
      userName: account.name,
      elevationLevel: account.elevationLevel ?? 'nonadmin',
      ...(linux?.uid === undefined || linux.gid === undefined ? {} : { uid: linux.uid, gid: linux.gid }),
    };
  }
  if (identity?.autoUser === undefined) return DEFAULT_RUN_AS;
  return {
    kind: 'auto',
    scope: identity.autoUser.scope ?? 'pool',
    elevationLevel: identity.autoUser.elevationLevel ?? 'nonadmin',
  };
}

function unknownUser(userName: string): ApiError {
  return apiError('InvalidPropertyValue', {
    values: propertyValues(
      'userIdentity.userName',
      userName,
      "The pool has no user account of this name (the pool's userAccounts).",
    ),
  });
}

/** Per task: the 400 for a `userName` the job's pool does not define (undefined = fine or not checkable). */
export async function checkUserNames(
  context: ServiceContext,
  job: JobDoc,
  params: readonly TaskAddParameter[],
): Promise<(ApiError | undefined)[]> {
  const named = params.some((param) => param.userIdentity?.userName !== undefined);
  const poolId = job.entity.poolInfo?.poolId;
  if (!named || poolId === undefined) return params.map(() => undefined);
  const pool = await context.store.getPool(poolId);
  if (pool === undefined) return params.map(() => undefined);
  const accounts = pool.entity.userAccounts ?? [];
  return params.map((param) => {
    const userName = param.userIdentity?.userName;
    return userName === undefined || resolveRunAs(param.userIdentity, accounts) !== undefined
      ? undefined
      : unknownUser(userName);
  });
}
