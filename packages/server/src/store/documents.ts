/**
 * What the store keeps: the wire entity as the API returns it (minus `url` and `odata.metadata`, which depend on
 * the URL the client used) plus internal fields that never reach the wire.
 */
import type { CloudJob, CloudPool, CloudTask, ComputeNode } from '@batchite/protocol';

export interface PoolDoc {
  entity: CloudPool & { id: string };
}

export interface NodeDoc {
  poolId: string;
  entity: ComputeNode & { id: string };
  internal: NodeInternal;
}

export interface NodeInternal {
  /** Secret the node's agent authenticates with (hash only). */
  tokenHash?: string;
  /** Total slots on the node (the pool's taskSlotsPerNode when it joined). */
  slots: number;
  /** Last heartbeat (ms, injected clock). */
  lastSeenAt?: number;
}

export interface JobDoc {
  entity: CloudJob & { id: string };
  internal: JobInternal;
}

export interface JobInternal {
  /** The `disableTasks` option of the disable in progress. */
  disableTasks?: string;
}

export interface TaskDoc {
  jobId: string;
  entity: CloudTask & { id: string };
  internal: TaskInternal;
}

export interface TaskLease {
  nodeId: string;
  token: string;
  /** Lease expiry (ms, injected clock). */
  expiresAt: number;
}

export interface TaskInternal {
  /** Set while a node holds the task. */
  lease?: TaskLease;
  /** Earliest time (ms) the task may be scheduled again (Batchite retry-backoff extension). */
  notBefore?: number;
}

export function cloneDoc<D>(doc: D): D {
  return structuredClone(doc);
}
