/** Where local nodes keep their files (`<dataDir>/nodes/<nodeId>/`), for tests that look at the disk. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { localNodeRoot } from '@batchite/server';

export { localNodeRoot };

/** The directory of `jobId`/`taskId` on local node `nodeId`. */
export function localTaskDir(dataDir: string, nodeId: string, jobId: string, taskId: string): string {
  return join(localNodeRoot(dataDir, nodeId), 'workitems', jobId, 'job-1', taskId);
}

/** The node a task runs or ran on, from its nodeInfo (throws when it has none). */
export function nodeIdOf(task: { nodeInfo?: { nodeId?: string } }): string {
  const nodeId = task.nodeInfo?.nodeId;
  if (nodeId === undefined) throw new Error('the task has no nodeInfo');
  return nodeId;
}

/** The nodes that have a root in `dataDir`. */
export async function localNodeIds(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'nodes')).catch(() => []);
}
