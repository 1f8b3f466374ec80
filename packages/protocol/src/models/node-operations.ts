/** Bodies and answers of the compute node operations (Azure Batch REST reference: Compute Node - …). */
import type { DateTimeString } from './common.js';

/** What happens to the node's running tasks before it reboots or is reimaged (Batch's values). */
export const NODE_RESTART_OPTIONS = ['requeue', 'terminate', 'taskcompletion', 'retaineddata'] as const;
export type NodeRestartOption = (typeof NODE_RESTART_OPTIONS)[number];

export interface NodeRebootParameter {
  /** Default `requeue`. */
  nodeRebootOption?: NodeRestartOption;
}

export interface NodeReimageParameter {
  /** Default `requeue`. */
  nodeReimageOption?: NodeRestartOption;
}

/** What happens to a node's running tasks when its scheduling is disabled (default requeue). */
export const DISABLE_NODE_SCHEDULING_OPTIONS = ['requeue', 'terminate', 'taskcompletion'] as const;
export type DisableComputeNodeSchedulingOption = (typeof DISABLE_NODE_SCHEDULING_OPTIONS)[number];

/** Body of POST /pools/{poolId}/nodes/{nodeId}/disablescheduling (may be absent). */
export interface NodeDisableSchedulingParameter {
  nodeDisableSchedulingOption?: DisableComputeNodeSchedulingOption;
}

/** Body of POST /pools/{poolId}/nodes/{nodeId}/users (Compute Node - Add User). */
export interface ComputeNodeUser {
  name: string;
  /** An administrator: on Linux, a member of the sudo group. @defaultValue false */
  isAdmin?: boolean;
  /** @defaultValue one day after the request */
  expiryTime?: DateTimeString;
  password?: string;
  sshPublicKey?: string;
}

/** Body of PUT /pools/{poolId}/nodes/{nodeId}/users/{userName}: replaces all three (absent = removed/default). */
export interface NodeUpdateUserParameter {
  password?: string;
  expiryTime?: DateTimeString;
  sshPublicKey?: string;
}

/** Answer of GET /pools/{poolId}/nodes/{nodeId}/remoteloginsettings. */
export interface ComputeNodeGetRemoteLoginSettingsResult {
  remoteLoginIPAddress: string;
  remoteLoginPort: number;
}
