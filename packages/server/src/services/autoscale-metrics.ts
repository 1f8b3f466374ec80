/**
 * What an autoscale formula reads about a pool. Values are measured from the store when asked, and a sample of
 * each is recorded every 30 seconds of the service clock (as Batch does) into a bounded ring per pool and
 * variable, so `$ActiveTasks.GetSample(TimeInterval_Minute * 10)` has history. The samples live in memory: after
 * a restart the history starts again, and `GetSamplePercent` says how much of it is missing.
 *
 * Measured here: the task counts of the jobs that run on the pool (`$ActiveTasks` counts active tasks including
 * those still waiting for dependencies), the pool's node counts, `$TaskSlotsPerNode`. Not measured (a formula
 * reading them fails with an error naming the variable): CPU, memory, disk and network usage,
 * `$WallClockSeconds`.
 */
import { SAMPLE_PERIOD_MS, SampleRing, type MetricSource } from '../autoscale/index.js';
import type { PoolDoc } from '../store/documents.js';
import type { ServiceContext } from './service-context.js';

type Measurements = Record<string, number>;

/** Job states whose tasks a pool is working on or may still be asked to. */
const LIVE_JOB_STATES = ['active', 'disabling', 'disabled', 'enabling', 'terminating'];
const USABLE_NODE_STATES = new Set(['idle', 'running']);

/** Per server: pool id → variable → samples. */
const histories = new WeakMap<ServiceContext, Map<string, Map<string, SampleRing>>>();

function poolHistory(context: ServiceContext, poolId: string): Map<string, SampleRing> {
  let pools = histories.get(context);
  if (pools === undefined) histories.set(context, (pools = new Map<string, Map<string, SampleRing>>()));
  let history = pools.get(poolId);
  if (history === undefined) pools.set(poolId, (history = new Map<string, SampleRing>()));
  return history;
}

/** Drops the samples of a pool that is gone or no longer autoscaled. */
export function forgetSamples(context: ServiceContext, poolId: string): void {
  histories.get(context)?.delete(poolId);
}

export async function measurePool(context: ServiceContext, pool: PoolDoc): Promise<Measurements> {
  const tasks = { active: 0, running: 0, succeeded: 0, failed: 0 };
  for (const job of await context.store.listJobsInStates(LIVE_JOB_STATES)) {
    const poolId = job.entity.executionInfo?.poolId ?? job.entity.poolInfo?.poolId;
    if (poolId !== pool.entity.id) continue;
    const counts = await context.store.countTasks(job.entity.id);
    tasks.active += counts.active;
    tasks.running += counts.running;
    tasks.succeeded += counts.succeeded;
    tasks.failed += counts.failed;
  }
  const nodes = await context.store.listNodes(pool.entity.id, { limit: 100_000 });
  return {
    $ActiveTasks: tasks.active,
    $RunningTasks: tasks.running,
    $PendingTasks: tasks.active + tasks.running,
    $SucceededTasks: tasks.succeeded,
    $FailedTasks: tasks.failed,
    $CurrentDedicatedNodes: pool.entity.currentDedicatedNodes ?? 0,
    $CurrentLowPriorityNodes: pool.entity.currentLowPriorityNodes ?? 0,
    // Local nodes are never preempted.
    $PreemptedNodeCount: 0,
    $SampleNodeCount: nodes.length,
    $UsableNodeCount: nodes.filter((node) => USABLE_NODE_STATES.has(node.entity.state ?? '')).length,
    $TaskSlotsPerNode: pool.entity.taskSlotsPerNode ?? 1,
  };
}

/** Records a sample of every measured variable unless one was taken less than 30 s ago. */
export async function samplePool(context: ServiceContext, pool: PoolDoc): Promise<void> {
  const history = poolHistory(context, pool.entity.id);
  const now = context.clock.now();
  const last = history.get('$ActiveTasks')?.latest();
  if (last !== undefined && now - last.time < SAMPLE_PERIOD_MS) return;
  const measured = await measurePool(context, pool);
  for (const [name, value] of Object.entries(measured)) {
    let ring = history.get(name);
    if (ring === undefined) history.set(name, (ring = new SampleRing()));
    ring.add({ time: now, value });
  }
}

/** The metrics of a pool for one evaluation: its values now and its recorded samples. */
export async function poolMetrics(context: ServiceContext, pool: PoolDoc): Promise<MetricSource> {
  await samplePool(context, pool);
  const current = await measurePool(context, pool);
  const history = poolHistory(context, pool.entity.id);
  return {
    current: (name) => current[name],
    samples: (name) => history.get(name)?.all() ?? [],
  };
}
