/** Compute node operations (the Azure Batch REST reference "Compute Node - Reboot", "Compute Node - Reimage"). */
import type { NodeRebootParameter, NodeReimageParameter } from '@batchite/protocol';
import type { CallOptions } from '../options.js';
import type { Pipeline } from '../pipeline.js';
import { seg, writeResult, type WriteResult } from './common.js';

async function nodeWrite(
  pipeline: Pipeline,
  op: 'rebootNode' | 'reimageNode',
  poolId: string,
  nodeId: string,
  body: object,
  options: CallOptions,
): Promise<WriteResult> {
  const verb = op === 'rebootNode' ? 'reboot' : 'reimage';
  const { response, attempts } = await pipeline.send(
    op,
    {
      method: 'POST',
      path: `/pools/${seg(poolId)}/nodes/${seg(nodeId)}/${verb}`,
      body,
      expect: [202],
      read: 'none',
    },
    options,
    { poolId, nodeId },
  );
  return writeResult(response, attempts);
}

/** Reboots the node; its running tasks go as `nodeRebootOption` says (default requeue). */
export function rebootNode(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  parameters: NodeRebootParameter,
  options: CallOptions,
): Promise<WriteResult> {
  return nodeWrite(pipeline, 'rebootNode', poolId, nodeId, parameters, options);
}

/** Reimages the node (its files are wiped); its running tasks go as `nodeReimageOption` says. */
export function reimageNode(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  parameters: NodeReimageParameter,
  options: CallOptions,
): Promise<WriteResult> {
  return nodeWrite(pipeline, 'reimageNode', poolId, nodeId, parameters, options);
}
