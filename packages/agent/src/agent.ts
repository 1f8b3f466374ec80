/**
 * The node agent: joins a pool, claims tasks with a lease, runs them as child processes, reports results.
 *
 * Agent states:
 *
 *   starting  `startAgent` creates the node's shared/startup directories and registers (Shared Key, retried up
 *             to `registerTimeoutMs`); a failure rejects. Then the agent is `running`. Every registration
 *             (this one and each later one) starts the pool's start task it brings (start-task.ts); the
 *             server holds the node's claims while the start task keeps the node from taking tasks.
 *   running   Two loops run side by side.
 *             Claim loop: while free slots > 0, one long-poll claim at a time for all free slots; every claimed
 *             task is started at once and holds its `requiredSlots` until its process exits. With no free slot
 *             it waits for one to free up.
 *             Heartbeat loop: every `heartbeatMs` (from register) one heartbeat lists every lease the agent holds
 *             (processes still running, and finished runs whose result is not yet answered, so their leases stay
 *             alive while the server is away), retried for up to `leaseMs`. Each `cancel` order kills that
 *             task's process group, if the run is still the one whose lease that heartbeat carried; only
 *             `terminated` is reported afterwards, `requeued`/`deleted`/`leaseLost` results are dropped.
 *             A `restart` order (node reboot/reimage) pauses the claim loop, kills every run unreported, wipes
 *             the node directories for a reimage and registers again under the node id (node-directories.ts).
 *             When a process ends, its slots free up and `complete` is sent, retried until the server answers
 *             (`accepted: false` → the lease was no longer ours: drop). Every call goes through one retry
 *             policy; 404 NodeNotFound makes the next attempt register again (see server-link.ts).
 *   draining  `stop()`: no more claims (the pending long poll is aborted, and tasks it may still bring are
 *             not started: leaving requeues them); running tasks finish and are
 *             reported as usual; heartbeats go on until nothing is held. Then `leaving`.
 *   closing   `close()`: no more claims; every running process group is SIGKILLed and its run is not reported
 *             (leave requeues it without spending a retry); results of runs that had already ended get up to
 *             `closeTimeoutMs` to be delivered. Then `leaving`. `close()` during `stop()` escalates to this.
 *   leaving   heartbeats stop; `leave` is sent (bounded by `closeTimeoutMs`); the agent is `closed` and
 *             `finished` settles.
 *   failed    A claim or heartbeat failed for a reason retrying cannot fix (403 with the current token:
 *             another agent registered under this node id; 404 PoolNotFound on re-register, …): the agent
 *             closes itself as in `closing`, and `finished` reports the error.
 */
import { jobDirectorySegments, removeTree } from '@batchite/protocol/task-files';
import { RetryPolicy, isRetryError } from '@batchite/retry';
import { resolveAgentOptions, type AgentOptions, type ResolvedAgentOptions } from './agent-options.js';
import type { CancelOrder, ClaimedTask, CompletionReport, LeaseRef, NodeRestartOrder } from './node-api.js';
import { startFileServer } from './file-server.js';
import { gatedRun, JobTasks } from './job-tasks.js';
import { ProcessRecords, processRecordsDir } from './process-records.js';
import { ServerLink } from './server-link.js';
import { prepareNodeDirectories, reimageNodeDirectories } from './node-directories.js';
import { StartTasks } from './start-task.js';
import { runTask, type KillReason, type RunningTask, type TaskOutcome } from './task-runner.js';
import { TaskUsers } from './task-users.js';
import { NodeUsers } from './node-users.js';
import type { NodeUserResult } from './node-api.js';

/** How the agent ended. */
export interface AgentExit {
  reason: 'stopped' | 'closed' | 'failed';
  /** The error that made the agent give up (reason `failed`). */
  error?: unknown;
}

export interface RunningAgent {
  /** The node id the server knows this agent by (may change if the server forgot the node and re-registered it). */
  readonly nodeId: string;
  /** Stop claiming, kill running tasks (not reported: the server requeues them), leave. */
  close(): Promise<void>;
  /** Stop claiming, let running tasks finish and report them, then leave (graceful drain). */
  stop(): Promise<void>;
  /** Settles when the agent has ended, whether through `stop`, `close` or a fatal error. */
  readonly finished: Promise<AgentExit>;
}

type AgentState = 'running' | 'draining' | 'closing' | 'leaving' | 'closed';

interface HeldTask {
  readonly claim: ClaimedTask;
  readonly run: RunningTask;
  /** The server's cancel order, when one arrived. */
  cancel?: CancelOrder['reason'];
  /** Aborts the completion report when `close()` runs out of time. */
  readonly reportAbort: AbortController;
  phase: 'running' | 'reporting';
  /** Removal of the directory of a run killed because its task was deleted; a new run of the same id waits. */
  cleanup?: Promise<void>;
}

const KILL_REASON: Readonly<Record<CancelOrder['reason'], KillReason>> = {
  terminated: 'terminate',
  requeued: 'requeued',
  deleted: 'deleted',
  leaseLost: 'leaseLost',
  fault: 'fault',
};

/** Cancels after which the run is still reported: terminate (the server records TaskEnded) and fault kills. */
const REPORTED_CANCELS: ReadonlySet<string> = new Set(['terminated', 'fault']);

function keyOf(ref: { jobId: string; taskId: string }): string {
  return `${ref.jobId}\u0000${ref.taskId}`;
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (!isRetryError(error) || error.reason === 'aborted');
}

/** The completion report of one finished run. */
export function completionReport(
  claim: ClaimedTask,
  outcome: TaskOutcome,
  cancel?: string,
): CompletionReport {
  const report: CompletionReport = {
    jobId: claim.jobId,
    taskId: claim.taskId,
    leaseToken: claim.leaseToken,
    startTime: outcome.startTime,
    endTime: outcome.endTime,
  };
  if (outcome.exitCode !== undefined) report.exitCode = outcome.exitCode;
  if (outcome.launchError !== undefined) report.launchError = outcome.launchError;
  if (outcome.preProcessingError !== undefined) report.preProcessingError = outcome.preProcessingError;
  if (outcome.usage !== undefined) report.usage = outcome.usage;
  if (outcome.fileUploadError !== undefined) report.fileUploadError = outcome.fileUploadError;
  if (outcome.killedBy === 'wallClock') report.killedBy = 'wallClock';
  else if (outcome.killedBy === 'terminate' || cancel === 'terminated') report.killedBy = 'terminate';
  return report;
}

class Agent implements RunningAgent {
  readonly finished: Promise<AgentExit>;
  #resolveFinished!: (exit: AgentExit) => void;
  #state: AgentState = 'running';
  #exit: AgentExit = { reason: 'closed' };
  readonly #held = new Map<string, HeldTask>();
  readonly #users: TaskUsers;
  #jobTasks: JobTasks;
  readonly #startTasks: StartTasks;
  /** Node user accounts, when this agent manages OS users (it told the server so at registration). */
  readonly #nodeUsers: NodeUsers | undefined;
  /** One policy for every resource file download of the node (shared host gates). */
  readonly #downloads: RetryPolicy;
  #usedSlots = 0;
  #waiters: Array<() => void> = [];
  readonly #claimAbort = new AbortController();
  /** Set while the node reboots: claims wait for the new registration (their answers must use its boot). */
  #restarting: { done: Promise<void> } | undefined;
  /** Aborts the claim under way when a restart begins. */
  #claimRestartAbort: AbortController | undefined;
  readonly #heartbeatAbort = new AbortController();
  #loops: Promise<void>[] = [];
  #leaving: Promise<void> | undefined;

  constructor(
    private readonly o: ResolvedAgentOptions,
    private readonly link: ServerLink,
    private readonly processes: ProcessRecords,
    node: {
      users: TaskUsers;
      startTasks: StartTasks;
      downloads: RetryPolicy;
      nodeUsers?: NodeUsers | undefined;
    },
  ) {
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    this.#downloads = node.downloads;
    this.#users = node.users;
    this.#startTasks = node.startTasks;
    this.#nodeUsers = node.nodeUsers;
    this.#jobTasks = this.#newJobTasks();
  }

  /** Job preparation and release runs of one boot: a reboot forgets which ran (the server says what reruns). */
  #newJobTasks(): JobTasks {
    const { o, link } = this;
    return new JobTasks({
      ...{ rootDir: o.rootDir, poolId: o.poolId, clock: o.clock, systemPath: o.systemPath },
      ...{ users: this.#users, processes: this.processes, logger: o.logger, downloads: this.#downloads },
      nodeId: () => this.nodeId,
      report: (report, signal) => link.jobTask(report, signal),
    });
  }

  get nodeId(): string {
    return this.link.session?.nodeId ?? this.o.nodeId ?? '';
  }

  start(): void {
    this.#loops = [this.#claimLoop(), this.#heartbeatLoop()];
    if (this.#nodeUsers !== undefined) this.#loops.push(this.#nodeUserLoop(this.#nodeUsers));
  }

  async stop(): Promise<void> {
    if (this.#state === 'running') {
      this.#state = 'draining';
      this.#exit = { reason: 'stopped' };
      this.#claimAbort.abort();
      this.#changed();
    }
    await this.#until(() => this.#held.size === 0);
    await this.#leave();
  }

  async close(): Promise<void> {
    if (this.#state === 'running' || this.#state === 'draining') {
      this.#state = 'closing';
      if (this.#exit.reason !== 'failed') this.#exit = { reason: 'closed' };
      // Results may still be delivered, but never under a new registration (see ServerLink.stopRegistering).
      this.link.stopRegistering();
      this.#claimAbort.abort();
      for (const task of this.#held.values()) task.run.kill('shutdown');
      this.#jobTasks.close();
      void this.#startTasks.close();
      this.#changed();
      const timer = new AbortController();
      const expired = this.o.clock.sleep(this.o.closeTimeoutMs, timer.signal).then(
        () => this.#held.forEach((task) => task.reportAbort.abort()),
        () => undefined,
      );
      await this.#until(() => this.#held.size === 0);
      timer.abort();
      await expired;
    }
    await this.#until(() => this.#held.size === 0);
    await this.#leave();
  }

  /** Stops heartbeats, leaves the pool, waits for the loops; runs once. */
  #leave(): Promise<void> {
    this.#leaving ??= (async () => {
      this.#state = 'leaving';
      this.#heartbeatAbort.abort();
      this.#claimAbort.abort();
      this.#changed();
      await Promise.allSettled(this.#loops);
      await this.#startTasks.close();
      // A node that leaves its pool takes its user accounts with it (Batch: the VM is gone).
      await this.#nodeUsers?.removeAll();
      try {
        await this.link.leave(this.o.closeTimeoutMs);
      } catch (error) {
        this.o.logger.warn('could not leave the pool', { error: String(error) });
      }
      this.#state = 'closed';
      this.o.logger.info('agent closed', { nodeId: this.nodeId, reason: this.#exit.reason });
      this.#resolveFinished(this.#exit);
    })();
    return this.#leaving;
  }

  /** Something retrying cannot fix: log it and shut down as `close()` does. */
  #fail(what: string, error: unknown): void {
    this.o.logger.error(`${what} failed for good; the agent shuts down`, { error: String(error) });
    this.#exit = { reason: 'failed', error };
    void this.close();
  }

  /** Wakes everything waiting for a slot, a finished task or a state change. */
  #changed(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #freeSlots(): number {
    return (this.link.session?.slots ?? this.o.slots ?? 1) - this.#usedSlots;
  }

  async #claimLoop(): Promise<void> {
    while (this.#state === 'running') {
      if (this.#freeSlots() <= 0) {
        await this.#until(() => this.#freeSlots() > 0 || this.#state !== 'running');
        continue;
      }
      if (this.#restarting !== undefined) {
        await this.#restarting.done;
        continue;
      }
      const waitMs = this.link.session?.claimWaitMs ?? 0;
      const restartAbort = new AbortController();
      const signal = AbortSignal.any([this.#claimAbort.signal, restartAbort.signal]);
      this.#claimRestartAbort = restartAbort;
      let tasks: ClaimedTask[];
      try {
        tasks = (await this.link.claim(this.#freeSlots(), waitMs, signal)).tasks;
      } catch (error) {
        if (restartAbort.signal.aborted && !this.#claimAbort.signal.aborted) continue;
        if (!isAbort(error, this.#claimAbort.signal)) this.#fail('claim', error);
        return;
      }
      // A claim answered after stop()/close() began is not started: leaving requeues those tasks.
      if (this.#state !== 'running') return;
      for (const claim of tasks) this.#startTask(claim);
    }
  }

  #startTask(claim: ClaimedTask): void {
    const key = keyOf(claim);
    const previous = this.#held.get(key);
    if (previous !== undefined) {
      // The server handed the task out again (it requeued it while we were away): the old run is not ours.
      this.#cancel(previous, 'leaseLost');
    }
    const slots = Math.max(1, claim.requiredSlots);
    this.#usedSlots += slots;
    this.o.logger.info('task claimed', { jobId: claim.jobId, taskId: claim.taskId, attempt: claim.attempt });
    const run = (): RunningTask =>
      runTask(
        {
          jobId: claim.jobId,
          taskId: claim.taskId,
          commandLine: claim.commandLine,
          environment: claim.environment,
          maxWallClockTimeMs: claim.maxWallClockTimeMs,
          runAs: claim.runAs,
          hasJobPreparation: claim.jobPreparation !== undefined,
          resourceFiles: claim.resourceFiles,
          commonResourceFiles: claim.commonResourceFiles,
          outputFiles: claim.outputFiles,
        },
        {
          rootDir: this.o.rootDir,
          nodeId: this.nodeId,
          poolId: this.o.poolId,
          clock: this.o.clock,
          systemPath: this.o.systemPath,
          users: this.#users,
          processes: this.processes,
          downloads: this.#downloads,
        },
      );
    // A `preparing` task starts once the job's preparation succeeded on this node (job-tasks.ts).
    const start = (): RunningTask =>
      claim.jobPreparation?.run === true
        ? gatedRun(claim, this.#jobTasks.prepared(claim), run, this.o.clock)
        : run();
    // Same task directory: a new run waits until the old process has gone (and a deleted run's directory).
    const running =
      previous === undefined
        ? start()
        : deferredRun(
            claim,
            previous.run.done.then(() => previous.cleanup),
            start,
          );
    const task: HeldTask = { claim, run: running, reportAbort: new AbortController(), phase: 'running' };
    this.#held.set(key, task);
    void running.done.then((outcome) => this.#onExit(key, task, slots, outcome));
  }

  async #onExit(key: string, task: HeldTask, slots: number, outcome: TaskOutcome): Promise<void> {
    task.phase = 'reporting';
    const { jobId, taskId } = task.claim;
    const { exitCode, killedBy } = outcome;
    this.o.logger.info('task exited', {
      jobId,
      taskId,
      exitCode,
      killedBy,
      launchError: outcome.launchError?.code,
    });
    // `requeued` without an order: its job's preparation failed here, and the server took the task back.
    const dropped =
      (task.cancel !== undefined && !REPORTED_CANCELS.has(task.cancel)) ||
      outcome.killedBy === 'shutdown' ||
      outcome.killedBy === 'requeued';
    // Set before any await: a new claim of the same task id (deferredRun) waits for it.
    if (task.cancel === 'deleted') task.cleanup = this.#removeDeleted(task.claim);
    // A reported run keeps its slots until the answer, which brings the tasks that fill them (the server claims
    // them in the same exchange); the claim loop only sees the slots that answer leaves free.
    const claimNext = !dropped && this.#state === 'running' ? slots : 0;
    if (claimNext === 0) {
      this.#usedSlots -= slots;
      this.#changed();
    }
    let next: ClaimedTask[] = [];
    if (!dropped) next = await this.#report(task, outcome, claimNext);
    else
      this.o.logger.info('task stopped, result not reported', {
        jobId,
        taskId,
        reason: task.cancel ?? 'shutdown',
      });
    await task.cleanup;
    if (this.#held.get(key) === task) this.#held.delete(key);
    if (claimNext > 0) {
      this.#usedSlots -= slots;
      // Claimed for this node while it was running; if it stopped meanwhile, leaving the pool requeues them.
      if (this.#state === 'running') for (const claim of next) this.#startTask(claim);
    }
    this.#changed();
  }

  /**
   * The task was deleted while it ran: its process group is dead now, so its directory goes too (the server
   * removes the copies it holds; this covers directories on remote nodes). Never throws.
   */
  async #removeDeleted(claim: ClaimedTask): Promise<void> {
    try {
      await removeTree(this.o.rootDir, [...jobDirectorySegments(claim.jobId), claim.taskId]);
    } catch (error) {
      this.o.logger.warn('could not remove a deleted task directory', {
        jobId: claim.jobId,
        taskId: claim.taskId,
        error: String(error),
      });
    }
  }

  /** Delivers the run's result; returns the tasks the server claimed for `claimNext` freed slots. */
  async #report(task: HeldTask, outcome: TaskOutcome, claimNext: number): Promise<ClaimedTask[]> {
    const report = completionReport(task.claim, outcome, task.cancel);
    const { jobId, taskId } = report;
    try {
      const answer = await this.link.complete(report, task.reportAbort.signal, claimNext);
      if (answer.accepted) this.o.logger.info('task completed', { jobId, taskId, exitCode: report.exitCode });
      else this.o.logger.warn('the server refused the result (lease no longer ours)', { jobId, taskId });
      return answer.tasks;
    } catch (error) {
      const level = isAbort(error, task.reportAbort.signal) ? 'warn' : 'error';
      this.o.logger[level]('result not delivered', { jobId, taskId, error: String(error) });
      return [];
    }
  }

  #cancel(task: HeldTask, reason: CancelOrder['reason']): void {
    task.cancel ??= reason;
    // A report already under way is not aborted: the server refuses a run it no longer wants (accepted:
    // false), and the answer may carry the tasks it claimed for this node's freed slots (claimNext) — dropping
    // it would strand them until their lease ran out. A heartbeat sent while the report travels says
    // `leaseLost` for exactly that run, because the server has already recorded it.
    if (task.phase === 'running') task.run.kill(KILL_REASON[reason]);
  }

  #holdsJob(jobId: string): boolean {
    for (const task of this.#held.values()) if (task.claim.jobId === jobId) return true;
    return false;
  }

  #leases(): LeaseRef[] {
    return [...this.#held.values()].map(({ claim }) => ({
      jobId: claim.jobId,
      taskId: claim.taskId,
      leaseToken: claim.leaseToken,
    }));
  }

  /**
   * Applies a heartbeat's cancel orders. Each order names the lease it is about: when the task has been claimed
   * again since (its old run just finished and the server handed it back out), the order concerns the old run
   * and must not kill the new one.
   */
  #applyCancels(orders: readonly CancelOrder[]): void {
    for (const order of orders) {
      const task = this.#held.get(keyOf(order));
      if (task === undefined || task.claim.leaseToken !== order.leaseToken) continue;
      this.#cancel(task, order.reason);
    }
  }

  /**
   * Reboot or reimage ordered by the server: every run is killed (not reported: the server already requeued or
   * ended those tasks), a reimage wipes the node's directories, and the agent registers again under its node id
   * (the boot). Heartbeats pause meanwhile, as on a rebooting machine.
   */
  async #restart(order: NodeRestartOrder): Promise<void> {
    let finish!: () => void;
    this.#restarting = { done: new Promise<void>((resolve) => (finish = resolve)) };
    this.#claimRestartAbort?.abort();
    try {
      await this.#restartNode(order);
    } finally {
      this.#restarting = undefined;
      finish();
    }
  }

  async #restartNode(order: NodeRestartOrder): Promise<void> {
    this.o.logger.info(`node ${order.kind} ordered`, { nodeId: this.nodeId });
    for (const task of this.#held.values()) this.#cancel(task, 'requeued');
    this.#jobTasks.close();
    this.#jobTasks = this.#newJobTasks();
    // The start task of the old boot dies with it (the new registration starts the pool's current one).
    await this.#startTasks.halt();
    await this.#until(() => this.#held.size === 0 || this.#state !== 'running');
    if (this.#state !== 'running') return;
    try {
      if (order.kind === 'reimage') {
        await reimageNodeDirectories(this.o.rootDir);
        await this.#nodeUsers?.removeAll();
      }
      await this.link.reregister({ deadlineMs: this.o.registerTimeoutMs });
      this.o.logger.info(`node ${order.kind} done`, { nodeId: this.nodeId });
    } catch (error) {
      this.#fail(order.kind, error);
    }
  }

  #nodeUserLoop(users: NodeUsers): Promise<void> {
    return nodeUserLoop(this.link, users, this.#heartbeatAbort.signal, this.o);
  }

  async #heartbeatLoop(): Promise<void> {
    const { clock } = this.o;
    const signal = this.#heartbeatAbort.signal;
    let lastStart = clock.now();
    while (!signal.aborted) {
      const interval = this.link.session?.heartbeatMs ?? 15_000;
      // Due one interval after the previous one started; one that took longer is followed at once by the next,
      // so a returning server hears from the agent without delay.
      const slept = await clock.sleep(Math.max(0, lastStart + interval - clock.now()), signal).then(
        () => true,
        () => false,
      );
      if (!slept) return;
      lastStart = clock.now();
      try {
        const sent = this.#leases();
        // Retried for up to a lease: a slow answer still renews, and giving up sooner gains nothing.
        const answer = await this.link.heartbeat(sent, this.link.session?.leaseMs ?? 2 * interval, signal);
        this.#applyCancels(answer.cancel);
        if (answer.restart !== undefined) {
          await this.#restart(answer.restart);
          continue;
        }
        for (const order of answer.jobReleases ?? []) {
          this.#jobTasks.release(order, () => this.#until(() => !this.#holdsJob(order.jobId)));
        }
      } catch (error) {
        if (signal.aborted) return;
        // While closing, a lost session is final (no new registration): the heartbeats simply end.
        if (this.#state === 'closing' || this.#state === 'leaving') return;
        if (isRetryError(error) && error.reason === 'non-retryable') return this.#fail('heartbeat', error);
        this.o.logger.warn('heartbeat not answered in time', { error: String(error) });
      }
    }
  }
}

/**
 * Node user accounts: hands in the results of the orders applied so far and long-polls for the next ones, one
 * exchange at a time, until the agent leaves. Results not delivered by then are lost (the Batch call that
 * waited for them times out).
 */
async function nodeUserLoop(
  link: ServerLink,
  users: NodeUsers,
  signal: AbortSignal,
  o: Pick<ResolvedAgentOptions, 'logger' | 'clock'>,
): Promise<void> {
  let results: NodeUserResult[] = [];
  while (!signal.aborted) {
    try {
      const orders = await link.nodeUsers(results, link.session?.claimWaitMs ?? 0, signal);
      results = [];
      for (const order of orders) results.push(await users.apply(order));
    } catch (error) {
      if (signal.aborted) return;
      if (isRetryError(error) && error.reason === 'non-retryable') {
        o.logger.error('node user exchange failed for good', { error: String(error) });
        return;
      }
      o.logger.warn('node user exchange failed', { error: String(error) });
      await o.clock.sleep(1_000, signal).catch(() => undefined);
    }
  }
}

/** A `RunningTask` whose process starts only after `begin` settles (the previous run of the same task ended). */
function deferredRun(claim: ClaimedTask, begin: Promise<unknown>, start: () => RunningTask): RunningTask {
  let real: RunningTask | undefined;
  let pending: KillReason | undefined;
  const done = begin.then(() => {
    real = start();
    if (pending !== undefined) real.kill(pending);
    return real.done;
  });
  return {
    jobId: claim.jobId,
    taskId: claim.taskId,
    done,
    kill: (reason) => (real === undefined ? (pending ??= reason) : real.kill(reason)),
  };
}

/**
 * Registers with the server (retried up to `registerTimeoutMs`), prepares the node directories and starts
 * claiming. Rejects when the server refuses the registration (wrong key, unknown pool) or never answers.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const o = resolveAgentOptions(options);
  const policy = new RetryPolicy(o.retry);
  await prepareNodeDirectories(o.rootDir);
  // Before any work is taken: what a predecessor killed -9 left running must not run on beside the new runs.
  const processes = new ProcessRecords(processRecordsDir(o.rootDir));
  const orphans = await processes.killOrphans();
  if (orphans.length > 0) o.logger.warn('killed task processes left by a previous agent', { pids: orphans });
  const files =
    o.fileServer === undefined ? undefined : await startFileServer({ ...o.fileServer, rootDir: o.rootDir });
  const nodeId = (): string => link.session?.nodeId ?? o.nodeId ?? '';
  const users = new TaskUsers({ rootDir: o.rootDir, poolId: o.poolId, nodeId, clock: o.clock });
  // One policy for every resource file download of the node (shared host gates), start task included.
  const downloads = new RetryPolicy(o.downloadRetry);
  const startTasks = new StartTasks({
    ...{ rootDir: o.rootDir, poolId: o.poolId, clock: o.clock, systemPath: o.systemPath },
    ...{ users, processes, logger: o.logger, nodeId, downloads },
    report: (report, signal) => link.startTask(report, signal),
  });
  const link: ServerLink = new ServerLink({
    ...o,
    policy,
    fileUrl: files?.url,
    onRegistered: (session) => {
      if (session.fileToken !== undefined) files?.setToken(session.fileToken);
      // Every registration is a boot of the node: it runs its pool's start task (again).
      startTasks.begin(session.startTask);
    },
  });
  try {
    await link.connect({ deadlineMs: o.registerTimeoutMs });
  } catch (error) {
    await startTasks.close();
    await files?.close();
    throw error;
  }
  const nodeUsers = o.manageUsers ? new NodeUsers({ nodeId, clock: o.clock, logger: o.logger }) : undefined;
  const agent = new Agent(o, link, processes, { users, startTasks, downloads, nodeUsers });
  agent.start();
  if (files !== undefined) void agent.finished.then(() => files.close());
  return agent;
}
