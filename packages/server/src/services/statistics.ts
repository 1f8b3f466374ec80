/**
 * Batch statistics from measured runs (docs/task-semantics.md "Statistics"): a task's `stats` from the usage of
 * its runs, a job's and a pool's from their usage totals, the account's lifetime statistics from the account's
 * total, which survives every delete. Nothing here is estimated: what Batchite cannot measure is answered as 0.
 */
import {
  formatDuration,
  idKey,
  type CloudTask,
  type JobStatistics,
  type PoolStatistics,
  type RunUsage,
  type TaskStatistics,
} from '@batchite/protocol';
import type { JobDoc, JobScheduleDoc, PoolDoc, TaskDoc, TaskUsage } from '../store/documents.js';
import type { NodeUsageRecord } from '../store/node-usage.js';
import {
  ACCOUNT_USAGE_KEY,
  EMPTY_USAGE,
  resourceUsageKey,
  type UsageDelta,
  type UsageTotals,
} from '../store/usage-totals.js';
import { isoNow, type ServiceContext } from './service-context.js';

const GIB = 1024 ** 3;

function gib(bytes: number): number {
  return bytes / GIB;
}

function elapsedMs(from: string | undefined, to: string | undefined): number {
  const ms = Date.parse(to ?? '') - Date.parse(from ?? '');
  return Number.isNaN(ms) ? 0 : Math.max(0, ms);
}

export function jobUsageKey(job: JobDoc): string {
  return resourceUsageKey('job', job.entity.id, job.entity.creationTime);
}

export function scheduleUsageKey(schedule: JobScheduleDoc): string {
  return resourceUsageKey('schedule', schedule.entity.id, schedule.entity.creationTime);
}

export function poolUsageKey(pool: PoolDoc): string {
  return resourceUsageKey('pool', pool.entity.id, pool.entity.creationTime);
}

/** One run's counters, added to the task's own sums. */
export function addRunToTask(
  task: TaskDoc,
  run: { startTime?: string; endTime?: string; usage?: RunUsage },
  now: string,
): TaskDoc {
  const before: TaskUsage = task.internal.usage ?? { ...ZERO_TASK_USAGE, lastUpdateTime: now };
  const measured = run.usage ?? ZERO_RUN_USAGE;
  const usage: TaskUsage = {
    wallClockMs: before.wallClockMs + elapsedMs(run.startTime, run.endTime),
    userCpuMs: before.userCpuMs + measured.userCpuMs,
    kernelCpuMs: before.kernelCpuMs + measured.kernelCpuMs,
    readBytes: before.readBytes + measured.readBytes,
    writeBytes: before.writeBytes + measured.writeBytes,
    readOps: before.readOps + measured.readOps,
    writeOps: before.writeOps + measured.writeOps,
    lastUpdateTime: now,
  };
  return { ...task, internal: { ...task.internal, usage } };
}

const ZERO_RUN_USAGE: Readonly<RunUsage> = Object.freeze({
  userCpuMs: 0,
  kernelCpuMs: 0,
  readBytes: 0,
  writeBytes: 0,
  readOps: 0,
  writeOps: 0,
});
const ZERO_TASK_USAGE = Object.freeze({ ...ZERO_RUN_USAGE, wallClockMs: 0 });

/** The wait of a task: its creation to the start of its latest run (Batch's TaskStatistics.waitTime). */
function waitMs(entity: CloudTask): number {
  return elapsedMs(entity.creationTime, entity.executionInfo?.startTime);
}

/** What one finished run adds to its job's, pool's and the account's totals. */
export function runDelta(
  run: { startTime?: string; endTime?: string; usage?: RunUsage },
  after: TaskDoc,
  completed: boolean,
): UsageDelta {
  const measured = run.usage ?? ZERO_RUN_USAGE;
  const result = after.entity.executionInfo?.result;
  return {
    ...EMPTY_USAGE,
    ...measured,
    wallClockMs: elapsedMs(run.startTime, run.endTime),
    succeeded: completed && result === 'success' ? 1 : 0,
    failed: completed && result !== 'success' ? 1 : 0,
    retries: completed ? 0 : 1,
    waitMs: completed ? waitMs(after.entity) : 0,
  };
}

/** The schedule a job was created by (`<scheduleId>:job-<n>`: a job added directly cannot contain ':'). */
function scheduleIdOf(jobId: string): string | undefined {
  const at = jobId.lastIndexOf(':job-');
  return at > 0 ? jobId.slice(0, at) : undefined;
}

/** Adds a finished run to the totals of its job, its job schedule, its pool and the account. */
export async function recordRun(
  context: ServiceContext,
  job: JobDoc,
  poolId: string,
  delta: UsageDelta,
): Promise<void> {
  const keys = [jobUsageKey(job), ACCOUNT_USAGE_KEY];
  const pool = await context.store.getPool(poolId);
  if (pool !== undefined) keys.push(poolUsageKey(pool));
  const scheduleId = scheduleIdOf(job.entity.id);
  const schedule = scheduleId === undefined ? undefined : await context.store.getJobSchedule(scheduleId);
  if (schedule !== undefined) keys.push(scheduleUsageKey(schedule));
  await context.store.addUsage(keys, delta, isoNow(context));
}

export function taskStatistics(url: string, task: TaskDoc, now: string): TaskStatistics {
  const usage = task.internal.usage;
  const entity = task.entity;
  return {
    url,
    startTime: entity.creationTime ?? now,
    lastUpdateTime: usage?.lastUpdateTime ?? entity.creationTime ?? now,
    userCPUTime: formatDuration(usage?.userCpuMs ?? 0),
    kernelCPUTime: formatDuration(usage?.kernelCpuMs ?? 0),
    wallClockTime: formatDuration(usage?.wallClockMs ?? 0),
    readIOps: usage?.readOps ?? 0,
    writeIOps: usage?.writeOps ?? 0,
    readIOGiB: gib(usage?.readBytes ?? 0),
    writeIOGiB: gib(usage?.writeBytes ?? 0),
    waitTime: formatDuration(entity.executionInfo?.startTime === undefined ? 0 : waitMs(entity)),
  };
}

/**
 * JobStatistics (and JobScheduleStatistics, the same shape) from a total. Batch reports the summed wait time only in the account's lifetime statistics
 * ("it is not included in the Job statistics"), so a job's `waitTime` is PT0S.
 */
export function jobStatistics(
  url: string,
  totals: UsageTotals | undefined,
  range: { startTime: string; now: string },
  lifetime: boolean,
): JobStatistics {
  const sums = totals ?? { ...EMPTY_USAGE, lastUpdateTime: range.startTime };
  return {
    url,
    startTime: range.startTime,
    lastUpdateTime: sums.lastUpdateTime,
    userCPUTime: formatDuration(sums.userCpuMs),
    kernelCPUTime: formatDuration(sums.kernelCpuMs),
    wallClockTime: formatDuration(sums.wallClockMs),
    readIOps: sums.readOps,
    writeIOps: sums.writeOps,
    readIOGiB: gib(sums.readBytes),
    writeIOGiB: gib(sums.writeBytes),
    numSucceededTasks: sums.succeeded,
    numFailedTasks: sums.failed,
    numTaskRetries: sums.retries,
    waitTime: formatDuration(lifetime ? sums.waitMs : 0),
  };
}

/**
 * PoolStatistics from a total and the pool's node time: `dedicatedCoreTime` is the time its nodes spent in the
 * pool times their cores (node-usage records, as pool usage metrics count them); the disk I/O is that of the
 * pool's task runs. Node-level figures that are not measured (CPU percentage, memory, disk space, network) are 0.
 */
export function poolStatistics(
  url: string,
  totals: UsageTotals | undefined,
  range: { startTime: string; coreMs: number },
): PoolStatistics {
  const lastUpdateTime = totals?.lastUpdateTime ?? range.startTime;
  const sums = totals ?? EMPTY_USAGE;
  const span = { startTime: range.startTime, lastUpdateTime };
  return {
    url,
    ...span,
    usageStats: { ...span, dedicatedCoreTime: formatDuration(range.coreMs) },
    resourceStats: {
      ...span,
      avgCPUPercentage: 0,
      avgMemoryGiB: 0,
      peakMemoryGiB: 0,
      avgDiskGiB: 0,
      peakDiskGiB: 0,
      diskReadIOps: sums.readOps,
      diskWriteIOps: sums.writeOps,
      diskReadGiB: gib(sums.readBytes),
      diskWriteGiB: gib(sums.writeBytes),
      networkReadGiB: 0,
      networkWriteGiB: 0,
    },
  };
}

/**
 * Core time (ms) of node-usage records up to `nowMs`: of one pool since its creation (an earlier pool with the
 * same id is not counted), or of every pool.
 */
export function coreTimeMs(records: readonly NodeUsageRecord[], nowMs: number, pool?: PoolDoc): number {
  const created = pool === undefined ? 0 : Date.parse(pool.entity.creationTime ?? '') || 0;
  const key = pool === undefined ? undefined : idKey(pool.entity.id);
  let total = 0;
  for (const record of records) {
    if (key !== undefined && idKey(record.poolId) !== key) continue;
    const spent = (record.endMs ?? nowMs) - Math.max(record.startMs, created);
    if (spent > 0) total += spent * record.cores;
  }
  return total;
}

/** The usage totals of a page of jobs or pools, read in one call, and the time they are answered at. */
export interface StatsOf<D> {
  now: string;
  totals(doc: D): UsageTotals | undefined;
}

export async function statsOf<D>(
  context: ServiceContext,
  docs: readonly D[],
  keyOf: (doc: D) => string,
): Promise<StatsOf<D>> {
  const totals = await context.store.getUsage(docs.map(keyOf));
  return { now: isoNow(context), totals: (doc) => totals.get(keyOf(doc)) };
}

/** The account's total (lifetime statistics), if any run was ever recorded. */
export async function accountTotals(context: ServiceContext): Promise<UsageTotals | undefined> {
  return (await context.store.getUsage([ACCOUNT_USAGE_KEY])).get(ACCOUNT_USAGE_KEY);
}

/** Pool stats of a page of pools: their totals and their node time, each read in one call. */
export interface PoolStatsOf extends StatsOf<PoolDoc> {
  coreMs(pool: PoolDoc): number;
}

export async function poolStatsOf(context: ServiceContext, pools: readonly PoolDoc[]): Promise<PoolStatsOf> {
  const base = await statsOf(context, pools, poolUsageKey);
  const nowMs = context.clock.now();
  const created = pools.map((pool) => Date.parse(pool.entity.creationTime ?? '') || 0);
  const records =
    pools.length === 0 ? [] : await context.store.listNodeUsage(Math.min(...created), nowMs + 1);
  return { ...base, coreMs: (pool) => coreTimeMs(records, nowMs, pool) };
}

/** Core time of every pool the account ever had (node-usage records are kept after pools are deleted). */
export async function accountCoreTimeMs(context: ServiceContext): Promise<number> {
  const nowMs = context.clock.now();
  return coreTimeMs(await context.store.listNodeUsage(0, nowMs + 1), nowMs);
}
