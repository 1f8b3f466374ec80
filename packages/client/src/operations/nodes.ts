/**
 * Compute node operations (the Azure Batch REST reference "Compute Node - Disable Scheduling", "Enable
 * Scheduling", "Get Remote Login Settings", "Add User", "Update User", "Delete User").
 */
import type {
  ComputeNodeGetRemoteLoginSettingsResult,
  ComputeNodeUser,
  DisableComputeNodeSchedulingOption,
  NodeUpdateUserParameter,
} from '@batchite/protocol';
import type { OperationName } from '../operation-policies.js';
import type { CallOptions, GetOptions } from '../options.js';
import type { Pipeline } from '../pipeline.js';
import { entityResult, seg, writeResult, type WithResponse, type WriteResult } from './common.js';

const nodePath = (poolId: string, nodeId: string) => `/pools/${seg(poolId)}/nodes/${seg(nodeId)}`;

export async function nodeWrite(
  pipeline: Pipeline,
  op: OperationName,
  request: { method: 'POST' | 'PUT' | 'DELETE'; path: string; body?: unknown; expect: number },
  ids: { poolId: string; nodeId: string },
  options: CallOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    op,
    {
      method: request.method,
      path: request.path,
      ...(request.body === undefined ? {} : { body: request.body }),
      expect: [request.expect],
      read: 'none',
    },
    options,
    ids,
  );
  return writeResult(response, attempts);
}

/** The node takes no new task; its running ones are requeued (default), terminated or left to finish. */
export function disableNodeScheduling(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  option: DisableComputeNodeSchedulingOption | undefined,
  options: CallOptions,
): Promise<WriteResult> {
  const body = option === undefined ? {} : { nodeDisableSchedulingOption: option };
  const path = `${nodePath(poolId, nodeId)}/disablescheduling`;
  const request = { method: 'POST', path, body, expect: 200 } as const;
  return nodeWrite(pipeline, 'disableNodeScheduling', request, { poolId, nodeId }, options);
}

export function enableNodeScheduling(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  options: CallOptions,
): Promise<WriteResult> {
  const request = {
    method: 'POST',
    path: `${nodePath(poolId, nodeId)}/enablescheduling`,
    expect: 200,
  } as const;
  return nodeWrite(pipeline, 'enableNodeScheduling', request, { poolId, nodeId }, options);
}

export async function getNodeRemoteLoginSettings(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  options: GetOptions,
): Promise<WithResponse<ComputeNodeGetRemoteLoginSettingsResult>> {
  const { response } = await pipeline.send(
    'getNodeRemoteLoginSettings',
    { method: 'GET', path: `${nodePath(poolId, nodeId)}/remoteloginsettings`, expect: [200], read: 'json' },
    options,
    { poolId, nodeId },
  );
  return entityResult<ComputeNodeGetRemoteLoginSettingsResult>(response);
}

/** Adds a user account to the node (an operating-system account made by the node's agent). */
export function addNodeUser(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  user: ComputeNodeUser,
  options: CallOptions,
): Promise<WriteResult> {
  const request = {
    method: 'POST',
    path: `${nodePath(poolId, nodeId)}/users`,
    body: user,
    expect: 201,
  } as const;
  return nodeWrite(pipeline, 'addNodeUser', request, { poolId, nodeId }, options);
}

/** Replaces the account's password, SSH key and expiry (an absent one is removed or back to its default). */
export function updateNodeUser(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  userName: string,
  parameters: NodeUpdateUserParameter,
  options: CallOptions,
): Promise<WriteResult> {
  const path = `${nodePath(poolId, nodeId)}/users/${seg(userName)}`;
  const request = { method: 'PUT', path, body: parameters, expect: 200 } as const;
  return nodeWrite(pipeline, 'updateNodeUser', request, { poolId, nodeId }, options);
}

export function deleteNodeUser(
  pipeline: Pipeline,
  poolId: string,
  nodeId: string,
  userName: string,
  options: CallOptions,
): Promise<WriteResult> {
  const path = `${nodePath(poolId, nodeId)}/users/${seg(userName)}`;
  const request = { method: 'DELETE', path, expect: 200 } as const;
  return nodeWrite(pipeline, 'deleteNodeUser', request, { poolId, nodeId }, options);
}
