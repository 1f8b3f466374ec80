/**
 * Local nodes whose agent process never joins (Azure Batch REST reference: ResizeError, `AllocationFailed`):
 * an agent that exits before its node registered is a failed start. It is started again after a pause, as any
 * agent that exits; after `MAX_FAILED_STARTS` failed starts in a row of the same node the pool's running resize
 * ends, steady at the nodes that joined, with `resizeErrors` `AllocationFailed` (resize-end.ts), and no more
 * nodes are started until the next resize. A start that joins clears the count.
 */
import type { ResizeError } from '@batchite/protocol';
import { endResize } from './resize-end.js';
import type { ServiceContext } from './service-context.js';

/** Failed starts in a row of one node before its pool's resize ends with AllocationFailed. */
export const MAX_FAILED_STARTS = 3;

export function allocationFailed(nodeId: string, failures: number): ResizeError {
  return {
    code: 'AllocationFailed',
    message: `Node ${nodeId} could not be started: its agent process exited ${failures} times in a row before it joined the pool.`,
    values: [
      { name: 'NodeId', value: nodeId },
      { name: 'FailedStarts', value: String(failures) },
    ],
  };
}

/** Counts, per pool and node, the agent starts in a row that ended before the node joined. */
export class NodeStartFailures {
  private readonly failures = new Map<string, number>();
  private readonly joinedSince = new Set<string>();

  /** A new agent process for the node starts now. */
  launched(key: string): void {
    this.joinedSince.delete(key);
  }

  /** The node registered (nodeJoined): its current start succeeded. */
  joined(key: string): void {
    this.joinedSince.add(key);
    this.failures.delete(key);
  }

  /**
   * The node's agent exited on its own. Returns the failed starts in a row when that reaches the limit (and
   * starts counting afresh), undefined otherwise.
   */
  exited(key: string): number | undefined {
    if (this.joinedSince.has(key)) return undefined;
    const failures = (this.failures.get(key) ?? 0) + 1;
    if (failures < MAX_FAILED_STARTS) {
      this.failures.set(key, failures);
      return undefined;
    }
    this.failures.delete(key);
    return failures;
  }

  /** Forgets a node that is no longer wanted (shrink, pool delete). */
  forget(key: string): void {
    this.failures.delete(key);
    this.joinedSince.delete(key);
  }
}

/** Ends the pool's running resize with AllocationFailed; false when it is not resizing. */
export function failAllocation(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  failures: number,
): Promise<boolean> {
  return endResize(context, poolId, allocationFailed(nodeId, failures));
}
