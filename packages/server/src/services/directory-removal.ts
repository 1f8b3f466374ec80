/**
 * Removing the directories of deleted jobs and tasks while their processes may still be writing into them.
 *
 * A deleted job's or task's directory is first renamed into `<dataDir>/.deleted/` (atomic, and durable: it is
 * the on-disk mark that survives a restart), so a task added again with the same id starts in a fresh
 * directory. The moved tree is then removed without following links (a task may still be swapping directories
 * for links) and, when something is left — ENOTEMPTY while a process not yet killed still writes — removed
 * again on the next maintenance round, until nothing is left, also after a restart. The processes themselves
 * are killed by their agents, which the next heartbeat tells (`cancel: deleted`), and an agent removes the
 * directory of a run it killed for that reason. A process may re-create its directory by absolute path until it
 * is killed: a deleted job's entry carries the job id, and once it is removed, a `workitems/<job>` that came
 * back while no such job exists is moved out again, until none comes back.
 *
 * A job's or task's directories live in the root of every local node that ran it (local-node-roots.ts), so a
 * deletion retires the path below each node root there is.
 */
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { jobRemovalSegments, moveTree, removeTree } from '@batchite/protocol/task-files';
import { localNodeIds, localNodeRoot, underLocalNode } from './local-node-roots.js';
import type { ServiceContext } from './service-context.js';

/** Where deleted directories wait for their removal, inside the data directory (same file system). */
export const DELETED_DIR_NAME = '.deleted';

export function deletedDirectory(dataDir: string): string {
  return join(dataDir, DELETED_DIR_NAME);
}

/** Suffix of a deleted job's entry, before the job id (ids hold only letters, digits, `-` and `_`). */
const JOB_MARK = '.job.';

/** Purges that are under way, per server, so maintenance and a request never remove the same tree at once. */
const purging = new WeakMap<ServiceContext, Promise<void>>();

/**
 * Moves `<dataDir>/<below…>` out of the way and starts its removal. Never throws: a failed move is logged and
 * the directory stays (nothing points to it any more, but nothing outside it is touched either).
 */
export async function retireDirectory(
  context: ServiceContext,
  below: readonly string[],
  deletedJobId?: string,
): Promise<void> {
  const target = deletedDirectory(context.dataDir);
  const name = `${Date.now()}-${randomUUID()}${deletedJobId === undefined ? '' : `${JOB_MARK}${deletedJobId}`}`;
  try {
    await mkdir(target, { recursive: true, mode: 0o700 });
    const moved = await moveTree(context.dataDir, below, target, name);
    if (moved) context.background('remove deleted directories', () => purgeDeleted(context));
  } catch (error) {
    context.log.error({ err: error, directory: below.join('/') }, 'could not move a deleted directory');
  }
}

/**
 * Removes whatever waits in `.deleted/`; what cannot be removed yet stays for the next round (maintenance calls
 * this every interval). Concurrent calls share one pass.
 */
export function purgeDeleted(context: ServiceContext): Promise<void> {
  const running = purging.get(context);
  if (running !== undefined) return running;
  const pass = purgeOnce(context).finally(() => purging.delete(context));
  purging.set(context, pass);
  return pass;
}

async function purgeOnce(context: ServiceContext): Promise<void> {
  const dir = deletedDirectory(context.dataDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // nothing was ever deleted
  }
  for (const name of names) {
    try {
      await removeTree(dir, [name]);
    } catch (error) {
      // Typically ENOTEMPTY: a process still writes until its agent's next heartbeat kills it.
      context.log.info({ err: error, directory: name }, 'deleted directory not removed yet; retrying later');
      continue;
    }
    const mark = name.indexOf(JOB_MARK);
    if (mark !== -1) await retireAgain(context, name.slice(mark + JOB_MARK.length));
  }
}

/** Retires `<node root>/<below…>` of every local node (a task may have run on several). */
export async function retireOnLocalNodes(
  context: ServiceContext,
  below: readonly string[],
  deletedJobId?: string,
): Promise<void> {
  for (const nodeId of await localNodeIds(context.dataDir)) {
    await retireDirectory(context, underLocalNode(nodeId, below), deletedJobId);
  }
}

/** A deleted job's directory that a process not yet killed re-created goes the same way. */
async function retireAgain(context: ServiceContext, jobId: string): Promise<void> {
  for (const nodeId of await localNodeIds(context.dataDir)) {
    const below = jobRemovalSegments(jobId);
    const exists = await lstat(join(localNodeRoot(context.dataDir, nodeId), ...below)).then(
      () => true,
      () => false,
    );
    if (!exists || (await context.store.getJob(jobId)) !== undefined) continue;
    await retireDirectory(context, underLocalNode(nodeId, below), jobId);
  }
}
