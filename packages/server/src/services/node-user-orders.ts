/**
 * The node user orders waiting for their agents, in this server's memory only. A password lives here from the
 * Batch call until the agent's long poll takes the order, and is dropped then: it is never stored, never logged
 * and handed out once. The Batch call waits (bounded) for the agent's result of its order.
 *
 *   queued   an order waits for the node's next `POST /.batchite/nodes/{n}/users` (woken at once)
 *   taken    handed to the agent (the password is gone from here); the result is awaited
 *   settled  the agent's result arrived (`settle`), or the node went away (`dropNode`)
 */
import { randomBytes } from 'node:crypto';
import type { NodeUserOrder, NodeUserResult } from '@batchite/protocol';
import type { Clock } from '@batchite/retry';

/** What the server does once an order's result is in (the store write), before the Batch call hears of it. */
export interface PendingOrder {
  poolId: string;
  nodeId: string;
  order: Omit<NodeUserOrder, 'orderId'>;
}

interface Entry extends PendingOrder {
  orderId: string;
  settle(result: NodeUserResult): void;
  result: Promise<NodeUserResult>;
}

function nodeKey(nodeId: string): string {
  return nodeId.toLowerCase();
}

export class NodeUserOrders {
  readonly #queued = new Map<string, Entry[]>();
  readonly #pending = new Map<string, Entry>();
  readonly #pollers = new Map<string, Set<() => void>>();

  constructor(private readonly clock: Clock) {}

  /** Queues an order for the node's agent and wakes its poll; `result` settles when the agent answers. */
  enqueue(pending: PendingOrder): { orderId: string; result: Promise<NodeUserResult> } {
    const orderId = randomBytes(12).toString('hex');
    let settle!: (result: NodeUserResult) => void;
    const result = new Promise<NodeUserResult>((resolve) => (settle = resolve));
    const entry: Entry = { ...pending, orderId, settle, result };
    this.#pending.set(orderId, entry);
    const key = nodeKey(pending.nodeId);
    this.#queued.set(key, [...(this.#queued.get(key) ?? []), entry]);
    for (const wake of this.#pollers.get(key) ?? []) wake();
    return { orderId, result };
  }

  /** The order a result answers, while it is pending (undefined for an unknown or already settled one). */
  pending(orderId: string): PendingOrder | undefined {
    return this.#pending.get(orderId);
  }

  settle(result: NodeUserResult): void {
    const entry = this.#pending.get(result.orderId);
    if (entry === undefined) return;
    this.#pending.delete(result.orderId);
    entry.settle(result);
  }

  /**
   * The node's queued orders, waiting up to `waitMs` (or until `signal` aborts) for one to arrive. Taking an
   * order removes it, and its password, from this server.
   */
  async take(nodeId: string, waitMs: number, signal: AbortSignal): Promise<NodeUserOrder[]> {
    const key = nodeKey(nodeId);
    if ((this.#queued.get(key) ?? []).length === 0 && waitMs > 0 && !signal.aborted) {
      const timer = new AbortController();
      const stop = AbortSignal.any([timer.signal, signal]);
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#pollers.get(key)?.delete(wake);
          stop.removeEventListener('abort', wake);
          resolve();
        };
        const wakers = this.#pollers.get(key) ?? new Set();
        wakers.add(wake);
        this.#pollers.set(key, wakers);
        stop.addEventListener('abort', wake, { once: true });
        this.clock.sleep(waitMs, stop).then(wake, wake);
      });
      timer.abort();
      if (this.#pollers.get(key)?.size === 0) this.#pollers.delete(key);
    }
    // A poll whose agent hung up takes nothing: its answer would never arrive.
    if (signal.aborted) return [];
    const entries = this.#queued.get(key) ?? [];
    this.#queued.delete(key);
    return entries.map((entry) => ({ orderId: entry.orderId, ...entry.order }));
  }

  /** The node left or registered anew: its queued orders fail (their passwords are dropped). */
  dropNode(nodeId: string, message: string): void {
    const key = nodeKey(nodeId);
    const entries = this.#queued.get(key) ?? [];
    this.#queued.delete(key);
    for (const entry of entries) this.settle({ orderId: entry.orderId, ok: false, code: 'Failed', message });
  }
}
