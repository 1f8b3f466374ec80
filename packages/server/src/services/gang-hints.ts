/**
 * When a node's claim tries to place its pool's waiting multi-instance tasks. A placement takes every node row
 * of the pool (store.ts `placeGangTasks`), so it must not run on every claim round: it runs at once after a
 * hint (a multi-instance task was added, or one released its nodes), otherwise at most once per interval per
 * pool (capacity freed by ordinary tasks, a task put back to active, tasks left by another server).
 */
import type { ServiceContext } from './service-context.js';

/** Longest a waiting multi-instance task goes without a placement attempt while its pool's nodes claim. */
export const GANG_PLACEMENT_INTERVAL_MS = 500;
/** Attempts without hint nor known waiting task (tasks of another server sharing the store, a restart). */
export const GANG_FALLBACK_INTERVAL_MS = 5000;

interface HintState {
  /** Pools hinted since their last attempt. */
  pools: Set<string>;
  /** Bumped by a hint for every pool; an attempt records the value it saw. */
  everyPool: number;
  lastAttempt: Map<string, { at: number; everyPool: number }>;
  /** Pools whose last attempt left a multi-instance task unplaced (too few free nodes). */
  waiting: Set<string>;
}

const states = new WeakMap<ServiceContext, HintState>();

function stateOf(context: ServiceContext): HintState {
  let state = states.get(context);
  if (state === undefined) {
    state = { pools: new Set(), everyPool: 0, lastAttempt: new Map(), waiting: new Set() };
    states.set(context, state);
  }
  return state;
}

/** Something changed for multi-instance tasks of the pool (undefined: of any pool); wakes waiting claims. */
export function hintGangPlacement(context: ServiceContext, poolId: string | undefined): void {
  const state = stateOf(context);
  if (poolId === undefined) state.everyPool++;
  else state.pools.add(poolId);
  context.work.notify();
}

/** Whether a claim of the pool should attempt a placement now; records the attempt when it should. */
export function gangPlacementDue(context: ServiceContext, poolId: string): boolean {
  const state = stateOf(context);
  const now = context.clock.now();
  const last = state.lastAttempt.get(poolId);
  const due =
    last === undefined ||
    state.pools.has(poolId) ||
    state.everyPool !== last.everyPool ||
    now - last.at >= (state.waiting.has(poolId) ? GANG_PLACEMENT_INTERVAL_MS : GANG_FALLBACK_INTERVAL_MS);
  if (!due) return false;
  state.pools.delete(poolId);
  state.lastAttempt.set(poolId, { at: now, everyPool: state.everyPool });
  return true;
}

/** Records whether the pool's last attempt left a multi-instance task waiting for nodes. */
export function recordGangWaiting(context: ServiceContext, poolId: string, waiting: boolean): void {
  if (waiting) stateOf(context).waiting.add(poolId);
  else stateOf(context).waiting.delete(poolId);
}

/** How long a claim of the pool may sleep before its next placement attempt is due (ms). */
export function gangRetryInMs(context: ServiceContext, poolId: string): number {
  const state = stateOf(context);
  const last = state.lastAttempt.get(poolId);
  if (last === undefined) return 0;
  const interval = state.waiting.has(poolId) ? GANG_PLACEMENT_INTERVAL_MS : GANG_FALLBACK_INTERVAL_MS;
  return Math.max(0, last.at + interval - context.clock.now());
}
