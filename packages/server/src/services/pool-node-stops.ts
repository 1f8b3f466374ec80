/**
 * How a pool delete waits for the pool's node processes to be stopped before the pool disappears: the local node
 * provider registers itself here for its server. Servers without one (remote agents only) have nothing to stop:
 * their agents learn that the pool is gone when their next call fails.
 */
import type { ServiceContext } from './service-context.js';

export type PoolNodeStopper = (poolId: string) => Promise<void>;

const stoppers = new WeakMap<ServiceContext, PoolNodeStopper>();

export function registerPoolNodeStopper(context: ServiceContext, stopper: PoolNodeStopper | undefined): void {
  if (stopper === undefined) stoppers.delete(context);
  else stoppers.set(context, stopper);
}

/** Resolves once the processes of `poolId`'s local nodes have exited (at once when there are none). */
export async function stopPoolNodes(context: ServiceContext, poolId: string): Promise<void> {
  await stoppers.get(context)?.(poolId);
}
