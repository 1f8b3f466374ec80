/**
 * The node's side of a job's preparation and release tasks (docs/node-api.md "Job preparation and release").
 *
 * Preparation: the first claimed task of a job that comes with `jobPreparation.run` starts it; every task of
 * the job that waits for it shares the same run. Attempt after attempt (up to `maxTaskRetryCount` retries after
 * a non-zero exit) is reported (`running`, then `completed`); the last report is `final`. Tasks start once it
 * succeeded; after a failure they are dropped unreported (the server put them back to active). It runs once per
 * job for the agent's lifetime: a restarted agent is a rebooted node, and the server says whether to rerun it.
 *
 * Release: an order from a heartbeat runs once per job, after the job's tasks on this node have ended, and is
 * killed at its wall clock like any run.
 *
 * Both download their resource files into their own `wd/` before the command starts, as a task does.
 */
import { chmodSync, chownSync, lchownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@batchite/retry';
import type { ClaimedTask, JobTaskOrder, JobTaskReport } from './node-api.js';
import { taskDirectories } from './task-environment.js';
import { runTask, type KillReason, type RunningTask, type TaskOutcome } from './task-runner.js';
import type { AgentRunHost } from './run-host.js';

export type JobTasksHost = AgentRunHost<JobTaskReport>;

interface Preparation {
  readonly done: Promise<boolean>;
  /** The final report, once sent (sent again for a task the server still shows as preparing). */
  final?: JobTaskReport;
}

/**
 * Opens a finished preparation's working directory to the job's tasks, which run as other users: the tree
 * becomes root's (its user may be lent to another task next) and its directories readable by all. Files keep
 * their group and mode: a resource file's default 0770 in the auto-users' group `_azbatchgrp` stays readable
 * to the job's tasks, as on a Batch node. Symlinks are not followed. Only a root agent switches users;
 * otherwise every run is the same user and nothing changes.
 */
function publishTree(dir: string): void {
  chownSync(dir, 0, 0);
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) publishTree(path);
    else lchownSync(path, 0, -1); // −1: the group stays
  }
}

function succeeded(outcome: TaskOutcome): boolean {
  return outcome.exitCode === 0 && outcome.launchError === undefined && outcome.killedBy === undefined;
}

function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

function attemptReport(
  order: JobTaskOrder,
  retryCount: number,
  outcome: TaskOutcome | string,
): JobTaskReport {
  const base = { jobId: order.jobId, kind: order.kind, retryCount };
  if (typeof outcome === 'string') return { ...base, state: 'running', startTime: outcome };
  const report: JobTaskReport = {
    ...base,
    state: 'completed',
    startTime: outcome.startTime,
    endTime: outcome.endTime,
  };
  if (outcome.exitCode !== undefined) report.exitCode = outcome.exitCode;
  if (outcome.launchError !== undefined) report.launchError = outcome.launchError;
  if (outcome.preProcessingError !== undefined) report.preProcessingError = outcome.preProcessingError;
  if (outcome.killedBy === 'wallClock') report.killedBy = 'wallClock';
  return report;
}

export class JobTasks {
  readonly #preparations = new Map<string, Preparation>();
  readonly #released = new Set<string>();
  readonly #runs = new Set<RunningTask>();
  readonly #abort = new AbortController();

  constructor(private readonly host: JobTasksHost) {}

  /**
   * Resolves true when the claimed task may start: the job has no preparation to wait for, or it succeeded.
   * Starts the preparation when the claim asks for it and none ran in this agent's lifetime.
   */
  prepared(claim: ClaimedTask): Promise<boolean> {
    const order = claim.jobPreparation;
    if (order?.run !== true) return Promise.resolve(true);
    let preparation = this.#preparations.get(order.jobId);
    if (preparation === undefined) {
      const holder: { final?: JobTaskReport } = {};
      preparation = Object.assign(holder, { done: this.#prepare(order, holder) });
      this.#preparations.set(order.jobId, preparation);
    } else if (preparation.final !== undefined) {
      // Already done here: the server moves this task on when it hears the outcome again (idempotent).
      void this.#send(preparation.final);
    }
    return order.waitForSuccess === false ? Promise.resolve(true) : preparation.done;
  }

  /** Runs the job's release task once (later orders for the same job are ignored). */
  release(order: JobTaskOrder, jobIdle: () => Promise<void>): void {
    if (this.#released.has(order.jobId) || this.#abort.signal.aborted) return;
    this.#released.add(order.jobId);
    this.#preparations.delete(order.jobId);
    void (async () => {
      await jobIdle();
      await this.#send(attemptReport(order, 0, isoNow(this.host.clock)));
      const outcome = await this.#run(order);
      if (outcome.killedBy === 'shutdown') return;
      await this.#send({ ...attemptReport(order, 0, outcome), final: true });
    })();
  }

  /** Kills every preparation and release run (agent shutdown); their results are not reported. */
  close(): void {
    this.#abort.abort();
    for (const run of this.#runs) run.kill('shutdown');
  }

  async #prepare(order: JobTaskOrder, preparation: { final?: JobTaskReport }): Promise<boolean> {
    const maxRetries = order.maxTaskRetryCount ?? 0;
    for (let retryCount = 0; ; retryCount++) {
      if (!(await this.#send(attemptReport(order, retryCount, isoNow(this.host.clock))))) return false;
      const outcome = await this.#run(order);
      if (outcome.killedBy === 'shutdown') return false;
      const ok = succeeded(outcome);
      // Like a task: retried after a non-zero exit only; a launch error, a failed download or the wall clock
      // ends it.
      const retry = !ok && outcome.exitCode !== undefined && outcome.killedBy === undefined;
      const final = !retry || (maxRetries !== -1 && retryCount >= maxRetries);
      const report = { ...attemptReport(order, retryCount, outcome), final };
      this.host.logger.info('job preparation ended', {
        jobId: order.jobId,
        exitCode: outcome.exitCode,
        final,
      });
      if (final) preparation.final = report;
      const accepted = await this.#send(report);
      if (final || !accepted) return ok && accepted;
    }
  }

  async #run(order: JobTaskOrder): Promise<TaskOutcome> {
    const { host } = this;
    const run = runTask(
      {
        kind: order.kind,
        jobId: order.jobId,
        taskId: order.taskId,
        commandLine: order.commandLine,
        environment: order.environment,
        maxWallClockTimeMs: order.maxWallClockTimeMs,
        runAs: order.runAs,
        // The release sees the preparation's directory as the job's tasks do.
        hasJobPreparation: order.kind === 'jobRelease',
        resourceFiles: order.resourceFiles,
      },
      {
        rootDir: host.rootDir,
        nodeId: host.nodeId(),
        poolId: host.poolId,
        clock: host.clock,
        systemPath: host.systemPath,
        users: host.users,
        processes: host.processes,
        downloads: host.downloads,
      },
    );
    this.#runs.add(run);
    if (this.#abort.signal.aborted) run.kill('shutdown');
    const outcome = await run.done;
    this.#runs.delete(run);
    if (order.kind === 'jobPreparation' && host.users.canSwitch) this.#publish(order);
    return outcome;
  }

  #publish(order: JobTaskOrder): void {
    const dirs = taskDirectories(this.host.rootDir, order.jobId, order.taskId, 'jobPreparation');
    try {
      chmodSync(dirs.taskDir, 0o711);
      publishTree(dirs.workingDir);
    } catch (error) {
      this.host.logger.warn('could not open the job preparation directory to the job’s tasks', {
        jobId: order.jobId,
        error: String(error),
      });
    }
  }

  async #send(report: JobTaskReport): Promise<boolean> {
    try {
      return await this.host.report(report, this.#abort.signal);
    } catch (error) {
      this.host.logger.warn('job task report not delivered', { jobId: report.jobId, error: String(error) });
      return false;
    }
  }
}

/** A run that starts only once `gate` resolves true; otherwise it ends at once as `refused` (not reported). */
export function gatedRun(
  claim: ClaimedTask,
  gate: Promise<boolean>,
  start: () => RunningTask,
  clock: Clock,
): RunningTask {
  let real: RunningTask | undefined;
  let pending: KillReason | undefined;
  const done = gate.then((ok): Promise<TaskOutcome> | TaskOutcome => {
    if (ok && pending === undefined) {
      real = start();
      return real.done;
    }
    const now = isoNow(clock);
    // Never started: a kill order is answered like a killed process (−9), a failed preparation drops the run.
    return { startTime: now, endTime: now, exitCode: -9, killedBy: pending ?? 'requeued' };
  });
  return {
    jobId: claim.jobId,
    taskId: claim.taskId,
    done,
    kill: (reason) => (real === undefined ? (pending ??= reason) : real.kill(reason)),
  };
}
