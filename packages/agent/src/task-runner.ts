/**
 * Runs one claimed task as a real child process, the way a Batch Linux node does:
 *
 *   identity the OS user of the task's `runAs` (task-users.ts), created on first use; as root, a non-admin task
 *            runs as that user, an admin task as root; a non-root agent runs every task as itself. After the
 *            run the task directory is root's again and a task-scope user goes back to the node's idle users
 *   prepare  `<root>/workitems/<job>/job-1/<task>/` with `wd/` emptied (a re-run on this node starts clean),
 *            `certs/`, and `stdout.txt`/`stderr.txt` truncated; the task directory is 0700 and owned by the
 *            task's user, the directories above it 0711 (others may pass through, not list)
 *   download the resource files into `wd/` (resource-files.ts), owned by the task's user, and a multi-instance
 *            coordination run's common resource files into the task directory (AZ_BATCH_TASK_SHARED_DIR); a
 *            permanent failure ends the run with a `preProcessingError` and the command never starts
 *   resolve  split `commandLine` into argv (no shell) and find the program on the task's PATH
 *   spawn    cwd `wd/`, the task environment, the two files as the child's stdout/stderr fds (the OS streams
 *            output to disk; nothing passes through the agent's memory), its own process group
 *   record   the process group (pid + start time) on disk while it runs, so an agent started after this one
 *            was killed -9 kills it (process-records.ts)
 *   wait     exit code, or −(signal number) when a signal ended it; a wall-clock limit or `kill()` SIGKILLs the
 *            whole process group
 *   measure  the command runs under the usage launcher (run-usage.ts) where it can: the outcome then carries the
 *            CPU time and I/O of the process tree
 *   upload   the output files the exit code calls for (output-files.ts); a failure is the run's
 *            `fileUploadError`. Skipped when the agent killed the run for any reason but its wall-clock limit
 *
 * Launch failures (bad command line, program missing or not executable, ENOENT/EACCES from spawn) end the run
 * with a `launchError` and no exit code. The returned promise never rejects.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import type { OutputFile, PreProcessingError, ResourceFileOrder, RunUsage } from '@batchite/protocol';
import type { Clock, RetryPolicy } from '@batchite/retry';
import { CommandLineError, splitCommandLine } from './command-line.js';
import { lookupProgram, type LaunchError } from './program-lookup.js';
import type { TaskRunAs } from './node-api.js';
import type { ProcessRecords } from './process-records.js';
import { downloadResourceFiles } from './resource-files.js';
import { findLauncher, launcherArgs, parseLauncherReport } from './run-usage.js';
import { uploadFailure, uploadOutputFiles } from './output-files.js';
import {
  buildTaskEnvironment,
  taskDirectories,
  type RunKind,
  type TaskDirectories,
} from './task-environment.js';
import type { TaskUser, TaskUsers } from './task-users.js';

/** What a task without an identity runs as: the task-scope non-admin auto-user, as the server defaults. */
export const DEFAULT_RUN_AS: TaskRunAs = Object.freeze({
  kind: 'auto',
  scope: 'task',
  elevationLevel: 'nonadmin',
});

/** Task directory: its user only. Directories above it: anyone may pass through, nobody else may list. */
const TASK_DIR_MODE = 0o700;
const PASS_THROUGH_MODE = 0o711;

/** Cancels the wall-clock timer of a finished run (a shared reason: `abort()` alone builds a DOMException). */
const RUN_OVER = Object.freeze(new Error('the run is over'));

/**
 * Why the agent kills a process: `terminate` is reported to the server, the others are not (docs/node-api.md),
 * except `fault` — a fault rule killed the run — which is reported like an OS kill (exit −9).
 */
export type KillReason = 'terminate' | 'requeued' | 'deleted' | 'leaseLost' | 'shutdown' | 'fault';

/** What the runner needs from a claim. */
export interface TaskSpec {
  /** Which directory the run uses: its own task directory, `startup/`, `jobpreparation/`… Default `task`. */
  kind?: RunKind | undefined;
  jobId: string;
  taskId: string;
  commandLine: string;
  environment: Readonly<Record<string, string>>;
  /** SIGKILL the process group this many ms after the start (absent = unlimited). */
  maxWallClockTimeMs?: number | undefined;
  /** Who the process runs as. Default `DEFAULT_RUN_AS`. */
  runAs?: TaskRunAs | undefined;
  /** The job has a preparation task: the run sees AZ_BATCH_JOB_PREP_DIR/_WORKING_DIR. Default false. */
  hasJobPreparation?: boolean | undefined;
  /** Downloaded into `wd/` before the command starts. */
  resourceFiles?: readonly ResourceFileOrder[] | undefined;
  /** A coordination run's common resource files: downloaded into the task directory first. */
  commonResourceFiles?: readonly ResourceFileOrder[] | undefined;
  /** Uploaded after the process exited, as their upload conditions say. */
  outputFiles?: readonly OutputFile[] | undefined;
}

/** Node-level facts every run needs. */
export interface TaskRunnerContext {
  rootDir: string;
  nodeId: string;
  poolId: string;
  clock: Clock;
  /** System part of the task PATH (see `buildTaskEnvironment`). */
  systemPath?: string | undefined;
  /** Creates and finds task users. Absent: every task runs as the agent's user. */
  users?: TaskUsers | undefined;
  /** Where running process groups are recorded. @defaultValue not recorded */
  processes?: ProcessRecords | undefined;
  /** The retry policy of storage transfers (resource files, output files); required when a run has either. */
  downloads?: RetryPolicy | undefined;
  /** Measure each run's CPU time and I/O with the usage launcher when it can run here. @defaultValue true */
  measureUsage?: boolean | undefined;
}

export interface TaskOutcome {
  /** ISO-8601, from the injected clock. */
  startTime: string;
  endTime: string;
  /** The process's exit code, or −(signal number); absent after a launch error. */
  exitCode?: number;
  /** The signal that ended the process, when one did. */
  signal?: NodeJS.Signals;
  launchError?: LaunchError;
  /** A resource file could not be downloaded: the command never started. */
  preProcessingError?: PreProcessingError;
  /** The process ran, but an output file could not be uploaded. */
  fileUploadError?: PreProcessingError;
  /** Set when the agent killed the process, with the reason. */
  killedBy?: 'wallClock' | KillReason;
  /** What the process tree used, when the run was measured (absent when the agent killed it). */
  usage?: RunUsage;
}

export interface RunningTask {
  readonly jobId: string;
  readonly taskId: string;
  /** Settles once the process has exited (or failed to launch). Never rejects. */
  readonly done: Promise<TaskOutcome>;
  /** SIGKILLs the process group; the first reason given wins. Safe to call at any time, and more than once. */
  kill(reason: KillReason): void;
}

/** Exit code for a process ended by `signal`: the negative signal number, as the Batch agent reports. */
export function signalExitCode(signal: NodeJS.Signals): number {
  const number = (osConstants.signals as Record<string, number | undefined>)[signal];
  return -(number ?? 128);
}

/** The launcher's interpreter, looked up once per agent process. */
let launcher: string | undefined | null = null;
function usageLauncher(): string | undefined {
  if (launcher === null) launcher = findLauncher();
  return launcher;
}

const ENOENT = 2;

function launchErrorOf(error: unknown): LaunchError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code === 'ENOENT'
    ? { code: 'CommandProgramNotFound', message: `The specified command program is not found: ${message}` }
    : { code: 'CommandLaunchFailed', message: `Failed to launch the specified command line: ${message}` };
}

/** The task's stdout/stderr files, open for the child; closed once it has them (or the launch failed). */
class OutputFiles {
  #open = true;
  constructor(readonly fds: readonly [number, number]) {}
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const fd of this.fds) closeSync(fd);
  }
}

/**
 * Creates the task directory with an empty `wd/` and truncated output files; returns the open files.
 * Synchronous on purpose: a handful of local file-system calls of microseconds each, where a round trip through
 * libuv's thread pool per call cost more CPU and latency than the calls themselves (agent profile); the spawn
 * that follows blocks the event loop anyway.
 */
function prepareDirectories(
  dirs: TaskDirectories,
  owner: TaskUser | undefined,
  asRoot: boolean,
): OutputFiles {
  rmSync(dirs.workingDir, { recursive: true, force: true });
  // Both live in the task directory, which the recursive mkdirs create: no separate mkdir for it.
  mkdirSync(dirs.workingDir, { recursive: true });
  mkdirSync(dirs.certsDir, { recursive: true });
  chmodSync(dirs.taskDir, TASK_DIR_MODE);
  if (asRoot) {
    for (const dir of dirs.passThroughDirs) chmodSync(dir, PASS_THROUGH_MODE);
  }
  const stdout = openSync(dirs.stdoutPath, 'w', 0o600);
  let stderr: number | undefined;
  try {
    stderr = openSync(dirs.stderrPath, 'w', 0o600);
    if (owner !== undefined) {
      for (const path of [dirs.taskDir, dirs.workingDir, dirs.certsDir, dirs.stdoutPath, dirs.stderrPath])
        chownSync(path, owner.uid, owner.gid);
    }
    return new OutputFiles([stdout, stderr]);
  } catch (error) {
    closeSync(stdout);
    if (stderr !== undefined) closeSync(stderr);
    throw error;
  }
}

/** Gives a finished task's directory back to root; false when that failed. */
function reclaim(taskDir: string): boolean {
  try {
    chownSync(taskDir, 0, 0);
    return true;
  } catch {
    return false;
  }
}

class TaskRun implements RunningTask {
  readonly done: Promise<TaskOutcome>;
  #child: ChildProcess | undefined;
  #exited = false;
  #killedBy: TaskOutcome['killedBy'];
  /** Aborts the resource file downloads when the run is killed before its command started. */
  readonly #downloads = new AbortController();
  /** Aborts the output file uploads when the run is killed (deleted, requeued, terminated…) meanwhile. */
  readonly #uploads = new AbortController();
  readonly #timer = new AbortController();

  constructor(
    private readonly spec: TaskSpec,
    private readonly context: TaskRunnerContext,
  ) {
    const started = this.#now();
    this.done = this.#run()
      .catch((error: unknown) =>
        this.#launchFailed(started, {
          code: 'CommandLaunchFailed',
          message: `Could not start the task: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
      .finally(() => this.#timer.abort(RUN_OVER));
  }

  get jobId(): string {
    return this.spec.jobId;
  }

  get taskId(): string {
    return this.spec.taskId;
  }

  kill(reason: KillReason): void {
    if (this.#exited && !this.#uploads.signal.aborted) {
      this.#killedBy ??= reason;
      this.#uploads.abort(RUN_OVER);
    }
    this.#killGroup(reason);
  }

  #killGroup(reason: NonNullable<TaskOutcome['killedBy']>): void {
    if (this.#exited) return;
    this.#killedBy ??= reason;
    this.#downloads.abort(RUN_OVER);
    const pid = this.#child?.pid;
    if (pid === undefined) return; // not spawned yet: #spawn kills it as soon as it starts
    try {
      process.kill(-pid, 'SIGKILL'); // the whole group: shells, their children, grandchildren
    } catch {
      this.#child?.kill('SIGKILL');
    }
  }

  #now(): string {
    return new Date(this.context.clock.now()).toISOString();
  }

  #launchFailed(startTime: string, launchError: LaunchError): TaskOutcome {
    return { startTime, endTime: this.#now(), launchError };
  }

  async #run(): Promise<TaskOutcome> {
    const dirs = taskDirectories(this.context.rootDir, this.spec.jobId, this.spec.taskId, this.spec.kind);
    const users = this.context.users;
    const user = await users?.userFor(this.spec.runAs ?? DEFAULT_RUN_AS);
    try {
      const files = prepareDirectories(dirs, user, users?.canSwitch === true);
      try {
        const outcome =
          (await this.#download(dirs, user)) ?? (await this.#resolveAndSpawn(dirs, files, user));
        return await this.#upload(dirs, outcome);
      } finally {
        files.close();
      }
    } finally {
      // The run is over: its directory becomes root's before its user may be lent to another task (a user
      // whose directory could not be taken back is never lent again).
      if (user !== undefined && users !== undefined && reclaim(dirs.taskDir)) await users.release(user);
    }
  }

  /** Downloads the resource files; an outcome when the run ends here (failed, or killed meanwhile). */
  async #download(dirs: TaskDirectories, user: TaskUser | undefined): Promise<TaskOutcome | undefined> {
    const common = this.spec.commonResourceFiles ?? [];
    const orders = this.spec.resourceFiles ?? [];
    if (orders.length === 0 && common.length === 0) return undefined;
    const startTime = this.#now();
    const policy = this.context.downloads;
    if (policy === undefined) throw new Error('resource files need a download retry policy');
    const owner = user === undefined ? undefined : { uid: user.uid, gid: user.gid };
    const signal = this.#downloads.signal;
    const download = async () =>
      (await downloadResourceFiles(common, { workingDir: dirs.taskDir, owner, policy, signal })) ??
      (await downloadResourceFiles(orders, { workingDir: dirs.workingDir, owner, policy, signal }));
    const failed = await download().catch((error: unknown) => {
      if (this.#killedBy === undefined) throw error;
      return undefined;
    });
    if (this.#killedBy !== undefined) {
      // Killed before the command started: reported as a SIGKILLed run would be.
      return {
        startTime,
        endTime: this.#now(),
        exitCode: signalExitCode('SIGKILL'),
        killedBy: this.#killedBy,
      };
    }
    return failed === undefined ? undefined : { startTime, endTime: this.#now(), preProcessingError: failed };
  }

  /** Uploads the output files after the process exited; the outcome with the upload's failure, if any. */
  async #upload(dirs: TaskDirectories, outcome: TaskOutcome): Promise<TaskOutcome> {
    const files = this.spec.outputFiles ?? [];
    const exitCode = outcome.exitCode;
    const killed =
      outcome.killedBy !== undefined && outcome.killedBy !== 'wallClock' && outcome.killedBy !== 'fault';
    if (files.length === 0 || exitCode === undefined || killed || outcome.preProcessingError !== undefined)
      return outcome;
    const policy = this.context.downloads;
    if (policy === undefined) throw new Error('output files need a transfer retry policy');
    const signal = this.#uploads.signal;
    let failed: PreProcessingError | undefined;
    try {
      failed = await uploadOutputFiles(files, {
        taskDir: dirs.taskDir,
        exitCode,
        policy,
        signal,
        now: () => this.#now(),
      });
    } catch (error) {
      if (signal.aborted) return { ...outcome, killedBy: outcome.killedBy ?? this.#killedBy };
      failed = uploadFailure(files[0]?.destination.container?.containerUrl ?? 'http://invalid', '', error);
    }
    // The task completes once its uploads are done: that is its end time.
    const done = { ...outcome, endTime: this.#now() };
    if (signal.aborted) return { ...done, killedBy: outcome.killedBy ?? this.#killedBy };
    return failed === undefined ? done : { ...done, fileUploadError: failed };
  }

  async #resolveAndSpawn(
    dirs: TaskDirectories,
    files: OutputFiles,
    user: TaskUser | undefined,
  ): Promise<TaskOutcome> {
    const startTime = this.#now();
    let argv: string[];
    try {
      argv = splitCommandLine(this.spec.commandLine);
    } catch (error) {
      if (!(error instanceof CommandLineError)) throw error;
      return this.#launchFailed(startTime, { code: 'CommandLaunchFailed', message: error.message });
    }
    const [program, ...args] = argv;
    if (program === undefined) {
      return this.#launchFailed(startTime, {
        code: 'CommandLaunchFailed',
        message: 'The command line is empty',
      });
    }
    const { rootDir, nodeId, poolId, systemPath } = this.context;
    const { jobId, taskId, kind, environment: claimed, hasJobPreparation } = this.spec;
    const env = buildTaskEnvironment({
      ...{ rootDir, nodeId, poolId, jobId, taskId, kind, claimed, systemPath, hasJobPreparation },
      ...(user === undefined ? {} : { user: user.name, userIdentity: user.identity }),
    });
    const found = lookupProgram(program, env.PATH ?? '', dirs.workingDir);
    if (!found.ok) return this.#launchFailed(startTime, found.error);
    return this.#spawn({ path: found.path, argv0: program, args, env, cwd: dirs.workingDir, files, user });
  }

  #spawn(launch: {
    path: string;
    argv0: string;
    args: string[];
    env: Record<string, string>;
    cwd: string;
    files: OutputFiles;
    user: TaskUser | undefined;
  }): Promise<TaskOutcome> {
    const startTime = this.#now();
    const measurer = this.context.measureUsage === false ? undefined : usageLauncher();
    return new Promise<TaskOutcome>((resolve) => {
      const [file, args] =
        measurer === undefined
          ? [launch.path, launch.args]
          : [measurer, launcherArgs(launch.path, launch.argv0, launch.args)];
      const child = spawn(file, args, {
        // libuv drops the supplementary groups, then sets gid and uid, before exec.
        ...(launch.user === undefined ? {} : { uid: launch.user.uid, gid: launch.user.gid }),
        argv0: measurer === undefined ? launch.argv0 : 'batchite-run',
        cwd: launch.cwd,
        env: launch.env,
        stdio: [
          'ignore',
          launch.files.fds[0],
          launch.files.fds[1],
          measurer === undefined ? 'ignore' : 'pipe',
        ],
        detached: true, // own process group, so a kill reaches every descendant
      });
      launch.files.close(); // the child has its own copies now
      this.#child = child;
      const report = collect(child);
      child.once('error', (error) => {
        if (child.pid !== undefined) return; // a failed kill() on a live child, not a launch failure
        this.#exited = true;
        resolve(this.#launchFailed(startTime, launchErrorOf(error)));
      });
      child.once('exit', () => {
        this.#exited = true;
        if (child.pid !== undefined) this.context.processes?.remove(child.pid);
      });
      // 'close' follows 'exit' once the launcher's report pipe is drained (only the launcher holds it).
      child.once('close', (code, signal) => {
        if (child.pid === undefined) return;
        resolve(this.#finished(startTime, code, signal, report()));
      });
      if (child.pid === undefined) return;
      this.context.processes?.add(child.pid, this.spec);
      if (this.#killedBy !== undefined) this.#killGroup(this.#killedBy);
      else this.#armWallClock();
    });
  }

  #finished(
    startTime: string,
    code: number | null,
    signal: NodeJS.Signals | null,
    launcherOutput: string,
  ): TaskOutcome {
    const { usage, launchFailure } = parseLauncherReport(launcherOutput);
    if (launchFailure !== undefined) {
      return this.#launchFailed(startTime, {
        code: launchFailure.errno === ENOENT ? 'CommandProgramNotFound' : 'CommandLaunchFailed',
        message: `Failed to launch the specified command line: ${launchFailure.message}`,
      });
    }
    const outcome: TaskOutcome = { startTime, endTime: this.#now() };
    if (usage !== undefined && this.#killedBy === undefined) outcome.usage = usage;
    if (code !== null) outcome.exitCode = code;
    else if (signal !== null) {
      outcome.exitCode = signalExitCode(signal);
      outcome.signal = signal;
    }
    if (this.#killedBy !== undefined) outcome.killedBy = this.#killedBy;
    return outcome;
  }

  #armWallClock(): void {
    const limit = this.spec.maxWallClockTimeMs;
    if (limit === undefined || !Number.isFinite(limit)) return;
    this.context.clock.sleep(limit, this.#timer.signal).then(
      () => this.#killGroup('wallClock'),
      () => undefined, // the process ended first
    );
  }
}

/** Gathers what the launcher writes on fd 3 (nothing when the command runs without it). */
function collect(child: ChildProcess): () => string {
  const pipe = child.stdio[3];
  if (pipe === null || pipe === undefined || !('on' in pipe)) return () => '';
  const chunks: Buffer[] = [];
  pipe.on('data', (chunk: Buffer) => chunks.push(chunk));
  pipe.on('error', () => undefined); // a broken pipe only loses the measurement
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Starts running `spec` at once; see the module comment for the steps. */
export function runTask(spec: TaskSpec, context: TaskRunnerContext): RunningTask {
  return new TaskRun(spec, context);
}
