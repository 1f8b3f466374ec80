/**
 * The node's own directories (AZ_BATCH_NODE_ROOT_DIR): made when the agent starts, and wiped then made again
 * when the node is reimaged (Compute Node - Reimage: the node's disk starts empty). The agent's bookkeeping
 * (`.agent/`) is not the node's disk: it survives a reimage.
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { removeTree } from '@batchite/protocol/task-files';
import { nodeDirectories } from './task-environment.js';
import { canSwitchUsers } from './task-users.js';

const AGENT_BOOKKEEPING = '.agent';

/** Creates shared/, startup/wd, fsmounts/ and workitems/ under the node root. */
export async function prepareNodeDirectories(rootDir: string): Promise<void> {
  const dirs = nodeDirectories(rootDir);
  for (const dir of [dirs.sharedDir, dirs.startupWorkingDir, dirs.mountsDir, dirs.workitemsDir]) {
    await mkdir(dir, { recursive: true });
  }
  // Task users may pass through the node's directories to their own, but list nothing: with root's usual
  // umask the shared dir stays readable, not writable (a task must not plant programs on another's PATH).
  if (canSwitchUsers()) for (const dir of [dirs.rootDir, dirs.workitemsDir]) await chmod(dir, 0o711);
}

/** Removes everything the node's tasks could have written (no link followed), then makes the directories again. */
export async function reimageNodeDirectories(rootDir: string): Promise<void> {
  for (const name of await readdir(rootDir)) {
    if (name !== AGENT_BOOKKEEPING) await removeTree(rootDir, [name]);
  }
  await prepareNodeDirectories(rootDir);
}
