/** Bodies of the compute node operations (Azure Batch REST reference: Compute Node - Reboot, Reimage). */

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
