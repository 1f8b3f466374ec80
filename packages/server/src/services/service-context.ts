import type { Clock, Random } from '@batchite/retry';
import type { FaultEngine } from '../faults/fault-engine.js';
import type { Store } from '../store/store.js';
import type { LinkedStorage } from './linked-storage.js';
import type { NodeUserOrders } from './node-user-orders.js';
import type { ServerEvents } from './server-events.js';
import type { WorkSignal } from './work-signal.js';

/** Node lease timing, from the server options. */
export interface LeaseSettings {
  /** A node that has not heartbeated for this long loses its tasks (they are requeued). */
  leaseMs: number;
  /** How often agents heartbeat (half the lease). */
  heartbeatMs: number;
  /** Longest a claim waits for work before answering empty. */
  claimWaitMs: number;
  /** A waiting claim looks again at least this often (jittered ±50 %), in case a wake-up was missed. */
  claimPollMs: number;
}

/** What every service needs. Time always comes from the injected clock. */
export interface ServiceContext {
  store: Store;
  clock: Clock;
  /** Injected randomness (jitter of the task retry backoff extension). */
  random: Random;
  /** The data directory; local nodes keep their files in `<dataDir>/nodes/<nodeId>/` (local-node-roots.ts). */
  dataDir: string;
  /** Runs work after the response (e.g. finishing a delete); errors are logged, never thrown. */
  background(label: string, work: () => Promise<void>): void;
  /** Wakes waiting claims when tasks may have become runnable. */
  work: WorkSignal;
  events: ServerEvents;
  /** Fault rules (Batchite extension); inactive unless rules are loaded. */
  faults: FaultEngine;
  leases: LeaseSettings;
  /** Account name tasks see as AZ_BATCH_ACCOUNT_NAME. */
  accountName: string;
  log: ServiceLog;
  /** Aborts when the server shuts down: long polls and waits end at once. */
  shutdown: AbortSignal;
  /** Node user changes waiting for their agents (the only place a node user's password is held). */
  nodeUsers: NodeUserOrders;
  /** The linked storage account (`autoStorageContainerName`), when one is configured. */
  storage?: LinkedStorage | undefined;
}

/** The part of pino the services use. */
export interface ServiceLog {
  error(details: object, message: string): void;
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export function isoNow(context: ServiceContext): string {
  return new Date(context.clock.now()).toISOString();
}

/** State fields every Batch entity moves through the same way. */
interface Stateful {
  state?: string;
  stateTransitionTime?: string;
  previousState?: string;
  previousStateTransitionTime?: string;
}

/** Moves an entity to `state`, keeping previousState/previousStateTransitionTime as the real service does. */
export function transition<E extends Stateful>(entity: E, state: NonNullable<E['state']>, now: string): E {
  if (entity.state === state) return entity;
  const next: Stateful = { ...entity, state, stateTransitionTime: now };
  if (entity.state !== undefined) {
    next.previousState = entity.state;
    if (entity.stateTransitionTime !== undefined)
      next.previousStateTransitionTime = entity.stateTransitionTime;
  }
  return next as E;
}
