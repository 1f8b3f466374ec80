/**
 * Where the nodes of this machine keep their files. Each local node has its own root, as each Batch node has its
 * own `AZ_BATCH_NODE_ROOT_DIR`, so `startup/`, `shared/` and agent bookkeeping never collide between nodes:
 *
 *   <dataDir>/nodes/<nodeId>/          the node's AZ_BATCH_NODE_ROOT_DIR (startup/, shared/, workitems/, .agent/)
 *
 * Paths are given as components below the data directory, so readers walk them without following links.
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const NODES_DIR_NAME = 'nodes';

/** Node ids become one path segment: nothing else may get through (ids are checked at registration too). */
const SAFE_NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isSafeNodeId(nodeId: string): boolean {
  return SAFE_NODE_ID.test(nodeId);
}

/** The root directory of local node `nodeId`. */
export function localNodeRoot(dataDir: string, nodeId: string): string {
  return join(dataDir, NODES_DIR_NAME, nodeId);
}

/** `below` (components under a node root) as components under the data directory. */
export function underLocalNode(nodeId: string, below: readonly string[]): string[] {
  return [NODES_DIR_NAME, nodeId, ...below];
}

/** Every node that has a root on this machine (current or past), for clean-ups that concern all of them. */
export async function localNodeIds(dataDir: string): Promise<string[]> {
  const names = await readdir(join(dataDir, NODES_DIR_NAME)).catch(() => [] as string[]);
  return names.filter(isSafeNodeId);
}

/** Creates `<dataDir>/nodes`; task users may pass through it to their node but not list the others (0711). */
export async function prepareLocalNodesDir(dataDir: string): Promise<void> {
  const dir = join(dataDir, NODES_DIR_NAME);
  await mkdir(dir, { recursive: true, mode: 0o711 });
  await chmod(dir, 0o711);
}
