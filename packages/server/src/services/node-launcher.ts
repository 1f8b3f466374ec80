/**
 * The pool provider contract: how the server gets nodes for a pool — start one, stop one, and say what the engine
 * behind it reports about it. Providers: local agent processes (the CLI's childProcessNodeLauncher) and Slurm
 * jobs running `batchite agent` (the CLI's slurmNodeLauncher); the reconciler (local-node-provider.ts) and
 * everything after registration never know which one made a node.
 */
export interface NodeLaunchRequest {
  poolId: string;
  nodeId: string;
  /** The pool's vmSize (a Slurm pool's shape: slurm-shape.ts). */
  vmSize: string;
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
  /**
   * What the engine says about the node now. Providers without an engine of their own (local processes) leave
   * it out: their node is running until `exited`.
   */
  engineState?(): EngineNodeState;
}

/**
 * A node as its engine sees it. `pending`: asked for, not granted yet (e.g. a Slurm job waiting for resources);
 * `gone`: the engine ended it (cancelled from outside, time limit, preemption, node failure), with its reason.
 */
export type EngineNodeState =
  | { state: 'pending'; reason: string }
  | { state: 'running' }
  | { state: 'failed'; reason: string }
  | { state: 'gone'; reason: string };

export interface NodeLauncher {
  launch(request: NodeLaunchRequest): LaunchedNode;
}
