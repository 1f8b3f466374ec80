/**
 * What the account-level operations read from the store: node counts per pool and state, and node-time records
 * (a node joined a pool at one time and left it at another) that pool usage metrics are computed from.
 */

/** How many nodes of one pool are in one state, dedicated or not. */
export interface NodeStateCount {
  /** The pool's id as its nodes carry it. */
  poolId: string;
  /** The node's wire state (`idle`, `waitingForStartTask`, …). */
  state: string;
  dedicated: boolean;
  count: number;
}

/** A node joined a pool: the start of one usage record. */
export interface NodeUsageStart {
  poolId: string;
  nodeId: string;
  /** The pool's vmSize when the node joined. */
  vmSize: string;
  /** Cores the node is counted with (its task slots; see docs/compatibility.md "Pool usage metrics"). */
  cores: number;
  /** Injected clock, ms. */
  startMs: number;
}

/** One stretch of time a node spent in a pool; `endMs` is absent while the node is still there. */
export interface NodeUsageRecord extends NodeUsageStart {
  endMs?: number;
}
