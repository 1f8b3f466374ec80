/**
 * Gives every pool the number of local nodes it targets (targetDedicatedNodes + targetLowPriorityNodes), each an
 * agent started through the NodeLauncher. Reconciles a pool whenever it changes (add, resize, delete) and when
 * one of its agents exits (it is started again after a short pause).
 *
 * Shrinking honours the resize's nodeDeallocationOption: `requeue` (default) puts the node's running tasks back
 * to active with requeueCount+1 and stops the agent; `terminate` ends them (TaskEnded); `taskcompletion` and
 * `retaineddata` let them finish while the node is `leavingpool`.
 *
 * All pools together never run more than `maxNodes` agents (node-quota.ts): a pool gets what is left of the
 * quota, the rest is reported in its resizeErrors. Counting and launching happen with no await in between, so
 * pools reconciled side by side (as at start) cannot overshoot it.
 *
 * An agent that keeps exiting before its node joins ends the pool's resize with AllocationFailed
 * (node-start-failures.ts). A resize that ended early (resizeTimeout, a failed allocation, resize-end.ts) starts
 * no more nodes. A pool delete waits here until
 * the pool's agents have exited (pool-node-stops.ts).
 *
 * Which provider starts a pool's nodes follows its vmSize (node-launcher.ts): `slurm:…` pools go to the Slurm
 * launcher when the server has one, and are not counted against the local quota (Slurm enforces its own);
 * every other pool goes to the local launcher. A pool whose provider is not configured is left alone (its
 * nodes join by themselves). When the engine ends a node (a Slurm job cancelled from outside, a time limit),
 * the node is lost at once: its running tasks go back to active without a retry charged, the node leaves the
 * pool, and a replacement is started.
 */
import { idKey } from '@batchite/protocol';
import type { NodeDoc, PoolDoc } from '../store/documents.js';
import type { LaunchedNode, NodeLauncher } from './node-launcher.js';
import { localNodeRoot, prepareLocalNodesDir } from './local-node-roots.js';
import { recoverNodeTasks, removeNodeFromPool, syncPoolNodeCount } from './nodes-service.js';
import { failAllocation, NodeStartFailures } from './node-start-failures.js';
import { poolTarget, recordQuota } from './node-quota.js';
import { registerPoolNodeStopper } from './pool-node-stops.js';
import { endRunningTasks } from './pool-updates.js';
import { isoNow, transition, type ServiceContext } from './service-context.js';
import { isSlurmVmSize, parseSlurmShape } from './slurm-shape.js';

export interface LocalNodeProviderOptions {
  serverUrl: string;
  /** The join token of a pool (the account key itself never reaches an agent). */
  joinToken: (poolId: string) => string;
  /** The data directory: each node's root is `<rootDir>/nodes/<nodeId>/` (local-node-roots.ts). */
  rootDir: string;
  /** Pause before an agent that exited on its own is started again. @defaultValue 1000 */
  restartDelayMs?: number;
  /** Most agents running for all pools together (the local node quota). */
  maxNodes: number;
  /** Starts the nodes of `slurm:` pools (slurm-shape.ts). @defaultValue none: such pools are left alone */
  slurmLauncher?: NodeLauncher;
}

export function localNodeId(poolId: string, index: number): string {
  return `tvm-${idKey(poolId)}-${index}`;
}

function startKey(poolId: string, nodeId: string): string {
  return `${idKey(poolId)}/${nodeId}`;
}

export class LocalNodeProvider {
  private readonly pools = new Map<string, Map<string, LaunchedNode>>();
  /** Pools whose nodes Slurm runs: not counted against the local quota. */
  private readonly slurmPools = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();
  private stopped = false;
  private readonly startFailures = new NodeStartFailures();
  private readonly onPoolChanged = (poolId: string): void => void this.schedule(poolId);
  private readonly onNodeJoined = (poolId: string, nodeId: string): void =>
    this.startFailures.joined(startKey(poolId, nodeId));

  constructor(
    private readonly context: ServiceContext,
    private readonly launcher: NodeLauncher | undefined,
    private readonly options: LocalNodeProviderOptions,
  ) {}

  /** Forgets nodes left over from a previous run (their agents died with it) and starts every pool's nodes. */
  async start(): Promise<void> {
    // Their pool usage ends where their lease did: the last heartbeat of the previous run, not this start.
    for (const node of await this.context.store.listAllNodes()) {
      const pool = await this.context.store.getPool(node.poolId);
      const mine = pool === undefined ? this.launcher !== undefined : this.launcherFor(pool) !== undefined;
      if (mine) await removeNodeFromPool(this.context, node, node.internal.leaseExpiresAt);
    }
    await prepareLocalNodesDir(this.options.rootDir);
    this.context.events.on('poolChanged', this.onPoolChanged);
    this.context.events.on('nodeJoined', this.onNodeJoined);
    registerPoolNodeStopper(this.context, (poolId) => this.schedule(poolId));
    for (const pool of await this.context.store.listPools({ limit: 100_000 }))
      void this.schedule(pool.entity.id);
    await Promise.all([...this.pending.values()]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.context.events.off('poolChanged', this.onPoolChanged);
    this.context.events.off('nodeJoined', this.onNodeJoined);
    registerPoolNodeStopper(this.context, undefined);
    await Promise.all([...this.pending.values()]);
    const nodes = [...this.pools.values()].flatMap((pool) => [...pool.values()]);
    this.pools.clear();
    await Promise.all(nodes.map((node) => node.stop('kill')));
  }

  /**
   * Reconciles one pool at a time, in order, so concurrent changes don't launch twice. Settles when this
   * reconcile is done (for a deleting pool: when its agents have exited).
   */
  private schedule(poolId: string): Promise<void> {
    const key = idKey(poolId);
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => (this.stopped ? undefined : this.reconcile(poolId)))
      .catch((error: unknown) => this.context.log.error({ err: error, poolId }, 'node reconcile failed'));
    this.pending.set(key, next);
    void next.finally(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
    return next;
  }

  /** The launcher of a pool's provider, or undefined when this server does not start its nodes. */
  private launcherFor(pool: PoolDoc): NodeLauncher | undefined {
    return isSlurmVmSize(pool.entity.vmSize) ? this.options.slurmLauncher : this.launcher;
  }

  private async reconcile(poolId: string): Promise<void> {
    const key = idKey(poolId);
    const pool = await this.context.store.getPool(poolId);
    const launcher = pool === undefined ? undefined : this.launcherFor(pool);
    if (pool !== undefined && pool.entity.state !== 'deleting' && launcher === undefined) return;
    if (pool !== undefined && isSlurmVmSize(pool.entity.vmSize)) this.slurmPools.add(key);
    const nodes = this.pools.get(key) ?? new Map<string, LaunchedNode>();
    this.pools.set(key, nodes);
    if (pool === undefined || pool.entity.state === 'deleting') {
      this.pools.delete(key);
      this.slurmPools.delete(key);
      // As when shrinking: the running tasks are requeued before their agent is killed, never failed by it.
      for (const nodeId of nodes.keys()) {
        const node =
          pool === undefined ? undefined : await this.context.store.getNode(pool.entity.id, nodeId);
        if (node !== undefined) await endRunningTasks(this.context, node, false);
      }
      await Promise.all([...nodes.values()].map((node) => node.stop('kill')));
      return;
    }
    const granted = this.slurmPools.has(key)
      ? poolTarget(pool)
      : Math.min(poolTarget(pool), this.quotaLeft() + nodes.size);
    // A resize that ended early (resize-end.ts) starts no more nodes until the next resize.
    const target = Math.min(granted, pool.internal?.settledNodes ?? granted);
    for (let index = 1; nodes.size < target; index++) {
      const nodeId = localNodeId(pool.entity.id, index);
      if (!nodes.has(nodeId) && launcher !== undefined) this.launch(launcher, pool, nodes, nodeId);
    }
    if (nodes.size > target) await this.shrink(pool, nodes, nodes.size - target);
    await recordQuota(this.context, pool.entity.id, granted, this.options.maxNodes);
    await syncPoolNodeCount(this.context, pool.entity.id);
  }

  /** Agents the quota still allows, all pools counted. */
  private quotaLeft(): number {
    let running = 0;
    for (const [key, nodes] of this.pools) if (!this.slurmPools.has(key)) running += nodes.size;
    return Math.max(0, this.options.maxNodes - running);
  }

  private launch(
    launcher: NodeLauncher,
    pool: PoolDoc,
    nodes: Map<string, LaunchedNode>,
    nodeId: string,
  ): void {
    const key = startKey(pool.entity.id, nodeId);
    this.startFailures.launched(key);
    const vmSize = pool.entity.vmSize ?? 'local';
    const launched = launcher.launch({
      poolId: pool.entity.id,
      nodeId,
      vmSize,
      // A Slurm node's slots are the CPUs its job asked for.
      slots: parseSlurmShape(vmSize)?.cpus ?? pool.entity.taskSlotsPerNode ?? 1,
      serverUrl: this.options.serverUrl,
      joinToken: this.options.joinToken(pool.entity.id),
      rootDir: localNodeRoot(this.options.rootDir, nodeId),
    });
    nodes.set(nodeId, launched);
    void launched.exited.then(async () => {
      if (nodes.get(nodeId) !== launched || this.stopped) return;
      nodes.delete(nodeId);
      const engine = launched.engineState?.();
      if (engine?.state === 'gone' || engine?.state === 'failed') {
        this.context.log.warn(
          { poolId: pool.entity.id, nodeId, reason: engine.reason },
          'node ended by its engine',
        );
        await this.lost(pool.entity.id, nodeId);
      }
      const failures = this.startFailures.exited(key);
      if (failures !== undefined) await failAllocation(this.context, pool.entity.id, nodeId, failures);
      await this.context.clock.sleep(this.options.restartDelayMs ?? 1000).catch(() => undefined);
      void this.schedule(pool.entity.id);
    });
  }

  /**
   * The order nodes go in when a pool shrinks: agents that never joined or whose node is already removed, then
   * the nodes a removenodes request named, then nodes leaving the pool, then the least loaded.
   */
  private async victimOrder(pool: PoolDoc, nodes: Map<string, LaunchedNode>): Promise<string[]> {
    const named = new Set(pool.internal?.removeNodes ?? []);
    const stored = await Promise.all(
      [...nodes.keys()].map(async (nodeId) => this.context.store.getNode(pool.entity.id, nodeId)),
    );
    const rank = (node: NodeDoc): number =>
      named.has(node.entity.id) ? 0 : node.entity.state === 'leavingpool' ? 1 : 2;
    const byLoad = stored
      .filter((node): node is NodeDoc => node !== undefined)
      .sort(
        (a, b) => rank(a) - rank(b) || (a.entity.runningTasksCount ?? 0) - (b.entity.runningTasksCount ?? 0),
      );
    const victims = [...nodes.keys()].filter((id) => !byLoad.some((node) => node.entity.id === id));
    victims.push(...byLoad.map((node) => node.entity.id));
    return victims;
  }

  /** Removes `count` nodes (see victimOrder), as the resize's nodeDeallocationOption says. */
  private async shrink(pool: PoolDoc, nodes: Map<string, LaunchedNode>, count: number): Promise<void> {
    const option = pool.internal?.nodeDeallocationOption ?? 'requeue';
    for (const nodeId of (await this.victimOrder(pool, nodes)).slice(0, count)) {
      const launched = nodes.get(nodeId);
      nodes.delete(nodeId);
      this.startFailures.forget(startKey(pool.entity.id, nodeId));
      const node = await this.context.store.getNode(pool.entity.id, nodeId);
      if (option === 'taskcompletion' || option === 'retaineddata') {
        if (node !== undefined) await this.markLeaving(node);
        await launched?.stop('drain');
        continue;
      }
      if (node !== undefined) await endRunningTasks(this.context, node, option === 'terminate');
      await launched?.stop('kill');
      if (node !== undefined) await removeNodeFromPool(this.context, node);
    }
  }

  /** The engine ended the node: what it ran goes back to active (no retry charged) and it leaves the pool. */
  private async lost(poolId: string, nodeId: string): Promise<void> {
    const node = await this.context.store.getNode(poolId, nodeId);
    if (node === undefined) return;
    const requeued = await recoverNodeTasks(this.context, node);
    await removeNodeFromPool(this.context, node);
    this.context.events.emit('nodeLost', poolId, nodeId, requeued);
  }

  private async markLeaving(node: NodeDoc): Promise<void> {
    await this.context.store.mutateNode(node.poolId, node.entity.id, (current) => ({
      next: { ...current, entity: transition(current.entity, 'leavingpool', isoNow(this.context)) },
      result: undefined,
    }));
  }
}
