/**
 * The files of a node (`GET/HEAD/DELETE /pools/{p}/nodes/{n}/files…`): its root's `startup/`, `shared/` and
 * `workitems/` trees, as on a Batch node; the agent's own bookkeeping (`.agent/`) is not among them. Local nodes
 * are read in their root below the data directory, remote nodes through their file server, with the same
 * no-follow walk as task files.
 */
import { isNodeFilePath, TaskFileError } from '@batchite/protocol/task-files';
import { apiError } from '../http/api-error.js';
import { underLocalNode } from './local-node-roots.js';
import { getPool } from './pools-service.js';
import type { ServiceContext } from './service-context.js';
import { localFiles, remoteFiles, type TaskFiles } from './task-file-sources.js';

function notFound(): TaskFileError {
  return new TaskFileError('FileNotFound', 'The specified file does not exist.');
}

/** `files` limited to the node file areas; the areas themselves cannot be deleted. */
function withinAreas(files: TaskFiles): TaskFiles {
  const check = (name: string) => {
    if (!isNodeFilePath(name)) throw notFound();
  };
  return {
    list: async (recursive) => (await files.list(recursive)).filter((entry) => isNodeFilePath(entry.name)),
    stat: (name) => (check(name), files.stat(name)),
    read: (name, range) => (check(name), files.read(name, range)),
    async remove(name, recursive) {
      check(name);
      if (name.split('/').filter((part) => part !== '').length < 2) {
        throw apiError('OperationNotValidOnNode', {
          message: `The node directory ${name} cannot be deleted; delete what it holds.`,
        });
      }
      await files.remove(name, recursive);
    },
  };
}

/** The files of node `nodeId` of pool `poolId` (NodeNotFound when it is not in the pool). */
export async function nodeFilesFor(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
): Promise<TaskFiles> {
  const pool = await getPool(context, poolId);
  const node = await context.store.getNode(pool.entity.id, nodeId);
  if (node === undefined) throw apiError('NodeNotFound');
  if (node.internal.fileUrl !== undefined) return withinAreas(remoteFiles(node, '/nodefiles'));
  return withinAreas(localFiles({ base: context.dataDir, below: underLocalNode(node.entity.id, []) }));
}
