/**
 * The node's side of its pool's start task (docs/node-api.md "Start task"). Every registration is a boot: the
 * register answer carries the start task as the pool has it now, and the agent runs it in `startup/` (its `wd/`
 * emptied first, as Batch does on a re-run). Attempt after attempt (up to `maxTaskRetryCount` retries after a
 * non-zero exit; −1 = unlimited) is reported (`running`, then `completed`); the last report is `final`. The
 * server decides from the reports whether the node takes tasks (waitForSuccess), so the agent only runs and
 * reports. Its resource files are downloaded into `startup/wd/` before every attempt, as for a task (a failed
 * download ends the run without a retry). A new registration while a run is under way kills it and starts over with the new order.
 */
import type { StartTaskOrder, StartTaskReport } from './node-api.js';
import { runTask, type RunningTask, type TaskOutcome } from './task-runner.js';
import type { AgentRunHost } from './run-host.js';

export type StartTaskHost = AgentRunHost<StartTaskReport>;

/** The process records and the runner name a start task by these (it belongs to no job). */
const START_TASK_JOB = '';
const START_TASK_ID = 'starttask';

interface Boot {
  readonly order: StartTaskOrder;
  readonly abort: AbortController;
  run?: RunningTask;
}

function attemptReport(order: StartTaskOrder, retryCount: number, outcome: TaskOutcome): StartTaskReport {
  const report: StartTaskReport = {
    runId: order.runId,
    state: 'completed',
    startTime: outcome.startTime,
    endTime: outcome.endTime,
    retryCount,
  };
  if (outcome.exitCode !== undefined) report.exitCode = outcome.exitCode;
  if (outcome.launchError !== undefined) report.launchError = outcome.launchError;
  if (outcome.preProcessingError !== undefined) report.preProcessingError = outcome.preProcessingError;
  return report;
}

export class StartTasks {
  #boot: Boot | undefined;
  #closed = false;
  /** Settles when the current boot's run ended (tests and shutdown wait for it). */
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly host: StartTaskHost) {}

  /** A registration happened: run its start task (killing the previous boot's run), or none. */
  begin(order: StartTaskOrder | undefined): void {
    this.#stop();
    if (order === undefined || this.#closed) return;
    const boot: Boot = { order, abort: new AbortController() };
    this.#boot = boot;
    const previous = this.#done;
    // The new run reuses `startup/`: it starts once the killed one has gone.
    this.#done = previous.then(() => this.#attempts(boot));
  }

  /** Kills the run of this boot (the node reboots); its result is not reported. Settles once it has gone. */
  halt(): Promise<void> {
    this.#stop();
    return this.#done;
  }

  /** Kills the run (agent shutdown); its result is not reported. */
  close(): Promise<void> {
    this.#closed = true;
    this.#stop();
    return this.#done;
  }

  #stop(): void {
    const boot = this.#boot;
    if (boot === undefined) return;
    this.#boot = undefined;
    boot.abort.abort();
    boot.run?.kill('shutdown');
  }

  async #attempts(boot: Boot): Promise<void> {
    const { order } = boot;
    for (let retryCount = 0; !boot.abort.signal.aborted; retryCount++) {
      const startTime = new Date(this.host.clock.now()).toISOString();
      if (!(await this.#send({ runId: order.runId, state: 'running', startTime, retryCount }, boot))) return;
      if (boot.abort.signal.aborted) return;
      const outcome = await this.#run(boot);
      if (outcome.killedBy !== undefined || boot.abort.signal.aborted) return;
      const ok = outcome.exitCode === 0 && outcome.launchError === undefined;
      // Like a task: retried after a non-zero exit only; a launch error or a failed download ends it.
      const retry = !ok && outcome.exitCode !== undefined;
      const limit = order.maxTaskRetryCount;
      const final = !retry || (limit !== -1 && retryCount >= limit);
      this.host.logger.info('start task ended', { exitCode: outcome.exitCode, retryCount, final });
      const accepted = await this.#send({ ...attemptReport(order, retryCount, outcome), final }, boot);
      if (final || !accepted) return;
    }
  }

  async #run(boot: Boot): Promise<TaskOutcome> {
    const { host } = this;
    const run = runTask(
      {
        kind: 'startTask',
        jobId: START_TASK_JOB,
        taskId: START_TASK_ID,
        commandLine: boot.order.commandLine,
        environment: boot.order.environment,
        runAs: boot.order.runAs,
        resourceFiles: boot.order.resourceFiles,
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
    boot.run = run;
    if (boot.abort.signal.aborted) run.kill('shutdown');
    return run.done;
  }

  async #send(report: StartTaskReport, boot: Boot): Promise<boolean> {
    try {
      return await this.host.report(report, boot.abort.signal);
    } catch (error) {
      if (!boot.abort.signal.aborted) {
        this.host.logger.warn('start task report not delivered', { error: String(error) });
      }
      return false;
    }
  }
}
