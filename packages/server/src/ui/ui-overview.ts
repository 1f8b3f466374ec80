/**
 * The dashboard's overview: pools with their nodes (heatmap and slot use) and jobs with task counts. Read-only,
 * bounded: a page of pools, nodes and jobs, with `truncated` set when there are more than it shows.
 */
import type { NodeDoc, PoolDoc, JobDoc } from '../store/documents.js';
import type { ServiceContext } from '../services/service-context.js';

/** Page limits of the overview (a dashboard, not an export). */
export const OVERVIEW_LIMITS = Object.freeze({ pools: 100, nodesPerPool: 1000, jobs: 200 });

export interface UiCounts {
  active: number;
  running: number;
  completed: number;
  succeeded: number;
  failed: number;
}

export interface UiNode {
  id: string;
  state: string;
  schedulingState: string;
  slots: number;
  busySlots: number;
  runningTasks: number;
}

export interface UiPool {
  id: string;
  state: string;
  allocationState: string;
  vmSize: string;
  taskSlotsPerNode: number;
  targetNodes: number;
  nodes: UiNode[];
  nodeCounts: Record<string, number>;
  /** Slots of usable nodes (idle or running, scheduling enabled). */
  slots: { busy: number; free: number; total: number };
  /** Resize errors and nodes whose start task failed: shown as the pool's error banner. */
  errors: string[];
  truncatedNodes: boolean;
}

export interface UiJobSummary {
  id: string;
  state: string;
  poolId: string;
  priority: number;
  creationTime?: string;
  counts: UiCounts;
}

export interface UiOverview {
  generatedAt: string;
  pools: UiPool[];
  jobs: UiJobSummary[];
  truncatedPools: boolean;
  truncatedJobs: boolean;
}

export function uiCounts(counts: UiCounts): UiCounts {
  const { active, running, completed, succeeded, failed } = counts;
  return { active, running, completed, succeeded, failed };
}

function uiNode(node: NodeDoc): UiNode {
  return {
    id: node.entity.id,
    state: node.entity.state ?? 'unknown',
    schedulingState: node.entity.schedulingState ?? 'enabled',
    slots: node.internal.slots,
    busySlots: node.entity.runningTaskSlotsCount ?? 0,
    runningTasks: node.entity.runningTasksCount ?? 0,
  };
}

function poolErrors(pool: PoolDoc, nodes: UiNode[]): string[] {
  const errors = (pool.entity.resizeErrors ?? []).map((error) =>
    `${error.code ?? 'ResizeError'}: ${error.message ?? ''}`.trim(),
  );
  const failedStart = nodes.filter((node) => node.state === 'starttaskfailed').length;
  if (failedStart > 0) errors.push(`${failedStart} node(s) failed their start task.`);
  const unusable = nodes.filter((node) => node.state === 'unusable' || node.state === 'offline').length;
  if (unusable > 0) errors.push(`${unusable} node(s) are unusable or offline.`);
  return errors;
}

async function uiPool(context: ServiceContext, pool: PoolDoc): Promise<UiPool> {
  const docs = await context.store.listNodes(pool.entity.id, { limit: OVERVIEW_LIMITS.nodesPerPool + 1 });
  const nodes = docs.slice(0, OVERVIEW_LIMITS.nodesPerPool).map(uiNode);
  const nodeCounts: Record<string, number> = {};
  for (const node of nodes) nodeCounts[node.state] = (nodeCounts[node.state] ?? 0) + 1;
  const usable = nodes.filter(
    (node) => (node.state === 'idle' || node.state === 'running') && node.schedulingState !== 'disabled',
  );
  const total = usable.reduce((sum, node) => sum + node.slots, 0);
  const busy = usable.reduce((sum, node) => sum + Math.min(node.busySlots, node.slots), 0);
  return {
    id: pool.entity.id,
    state: pool.entity.state ?? 'active',
    allocationState: pool.entity.allocationState ?? 'steady',
    vmSize: pool.entity.vmSize ?? '',
    taskSlotsPerNode: pool.entity.taskSlotsPerNode ?? 1,
    targetNodes: (pool.entity.targetDedicatedNodes ?? 0) + (pool.entity.targetLowPriorityNodes ?? 0),
    nodes,
    nodeCounts,
    slots: { busy, free: total - busy, total },
    errors: poolErrors(pool, nodes),
    truncatedNodes: docs.length > OVERVIEW_LIMITS.nodesPerPool,
  };
}

export function uiJobSummary(job: JobDoc, counts: UiCounts): UiJobSummary {
  const summary: UiJobSummary = {
    id: job.entity.id,
    state: job.entity.state ?? 'active',
    poolId: job.entity.poolInfo?.poolId ?? '',
    priority: job.entity.priority ?? 0,
    counts: uiCounts(counts),
  };
  if (job.entity.creationTime !== undefined) summary.creationTime = job.entity.creationTime;
  return summary;
}

const FINISHED_JOB_STATES = new Set(['completed', 'deleting']);

/** Unfinished jobs first, then newest first: what someone watching a run looks for. */
function jobOrder(a: UiJobSummary, b: UiJobSummary): number {
  const finished = Number(FINISHED_JOB_STATES.has(a.state)) - Number(FINISHED_JOB_STATES.has(b.state));
  if (finished !== 0) return finished;
  return (b.creationTime ?? '').localeCompare(a.creationTime ?? '') || a.id.localeCompare(b.id);
}

export async function buildOverview(context: ServiceContext): Promise<UiOverview> {
  const poolDocs = await context.store.listPools({ limit: OVERVIEW_LIMITS.pools + 1 });
  const jobDocs = await context.store.listJobs({ limit: OVERVIEW_LIMITS.jobs + 1 });
  const pools: UiPool[] = [];
  for (const pool of poolDocs.slice(0, OVERVIEW_LIMITS.pools)) pools.push(await uiPool(context, pool));
  const jobs: UiJobSummary[] = [];
  for (const job of jobDocs.slice(0, OVERVIEW_LIMITS.jobs)) {
    jobs.push(uiJobSummary(job, await context.store.countTasks(job.entity.id)));
  }
  return {
    generatedAt: new Date(context.clock.now()).toISOString(),
    pools,
    jobs: jobs.sort(jobOrder),
    truncatedPools: poolDocs.length > OVERVIEW_LIMITS.pools,
    truncatedJobs: jobDocs.length > OVERVIEW_LIMITS.jobs,
  };
}
