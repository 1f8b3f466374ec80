/** How the server starts nodes on this machine. The CLI supplies one that spawns `batchite agent` processes. */
export interface NodeLaunchRequest {
  poolId: string;
  nodeId: string;
  slots: number;
  serverUrl: string;
  /**
   * The pool's join token (services/node-credentials.ts): the agent's only credential. Hand it over on stdin or
   * an inherited fd, never in the environment or argv (a task could read `/proc/<agent>/environ` or `ps`).
   */
  joinToken: string;
  /** The node's root directory (`AZ_BATCH_NODE_ROOT_DIR`): `<dataDir>/nodes/<nodeId>` for local nodes. */
  rootDir: string;
}

export interface LaunchedNode {
  readonly nodeId: string;
  /** OS process id, when the node is a process of this machine. */
  readonly pid?: number;
  /**
   * `kill`: stop now, killing running tasks (the server requeues or ends them first);
   * `drain`: stop claiming, let running tasks finish, then leave.
   */
  stop(mode: 'kill' | 'drain'): Promise<void>;
  /** Settles when the node's process is gone, whatever the reason. */
  readonly exited: Promise<void>;
}

export interface NodeLauncher {
  launch(request: NodeLaunchRequest): LaunchedNode;
}
