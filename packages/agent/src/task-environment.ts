/**
 * The node's directory layout and the environment a task process sees, as on a real Batch Linux node
 * (the Azure Batch docs "Azure Batch runtime environment variables", https://learn.microsoft.com/azure/batch/batch-compute-node-environment-variables):
 *
 *   <root>/shared                                  AZ_BATCH_NODE_SHARED_DIR
 *   <root>/startup[/wd]                            AZ_BATCH_NODE_STARTUP_DIR (and _WORKING_DIR)
 *   <root>/fsmounts                                AZ_BATCH_NODE_MOUNTS_DIR
 *   <root>/workitems/<job>/job-1/<task>/           AZ_BATCH_TASK_DIR (stdout.txt, stderr.txt, certs/)
 *   <root>/workitems/<job>/job-1/<task>/wd         AZ_BATCH_TASK_WORKING_DIR (cwd, HOME, PWD)
 *   (a multi-instance run also gets the task directory as AZ_BATCH_TASK_SHARED_DIR)
 *   <root>/workitems/<job>/job-1/jobpreparation    AZ_BATCH_JOB_PREP_DIR (only when the job has a prep task)
 *   <root>/workitems/<job>/job-1/jobrelease        the job release task's AZ_BATCH_TASK_DIR
 *   (the n-th job of a job schedule, `<schedule>:job-<n>`, lives in workitems/<schedule>/job-<n>, as in Batch)
 *
 * A run's kind (`RunKind`) picks its task directory: an ordinary task gets its own, the pool's start task runs in
 * `startup/`, a job's preparation and release tasks in `jobpreparation/` and `jobrelease/` of the job.
 *
 * Precedence (the Batch docs do not say; this is our choice): the agent's base variables (PATH, HOME,
 * PWD, USER) < the claim's `environment` (job common settings, task settings, server-side AZ_BATCH_*) < the
 * node-directory AZ_BATCH_* variables, which only the agent knows. The agent's own environment is NOT inherited:
 * a task must never see the agent's account key or other secrets.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { jobDirectorySegments } from '@batchite/protocol/task-files';

/** PATH of a stock Ubuntu node, used when the agent itself has no PATH. */
export const STANDARD_SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Directories shared by every task on the node. */
export interface NodeDirectories {
  rootDir: string;
  sharedDir: string;
  startupDir: string;
  startupWorkingDir: string;
  mountsDir: string;
  workitemsDir: string;
}

/** What a run is: an ordinary task, or one of the node- and job-level tasks Batch runs around them. */
export type RunKind = 'task' | 'startTask' | 'jobPreparation' | 'jobRelease';

/** Where one task's files live. */
export interface TaskDirectories {
  taskDir: string;
  /** Directories above `taskDir` that others may pass through but not list (as root: mode 0711). */
  passThroughDirs: string[];
  workingDir: string;
  certsDir: string;
  stdoutPath: string;
  stderrPath: string;
  jobPrepDir: string;
  jobPrepWorkingDir: string;
}

export function nodeDirectories(rootDir: string): NodeDirectories {
  return {
    rootDir,
    sharedDir: join(rootDir, 'shared'),
    startupDir: join(rootDir, 'startup'),
    startupWorkingDir: join(rootDir, 'startup', 'wd'),
    mountsDir: join(rootDir, 'fsmounts'),
    workitemsDir: join(rootDir, 'workitems'),
  };
}

/** Same rule as the Batch id rules: ids become path segments verbatim, so nothing else may get through. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws when `id` could escape the task tree (`..`, `/`, empty): ids come from the server, still checked. */
export function assertSafeId(kind: 'job' | 'task', id: string): void {
  if (!SAFE_ID.test(id)) throw new Error(`refusing unsafe ${kind} id ${JSON.stringify(id)}`);
}

/** The directory of a run: `taskId` names it for ordinary tasks; the other kinds have fixed names. */
function runDirectory(rootDir: string, jobDir: string, taskId: string, kind: RunKind): string {
  switch (kind) {
    case 'task':
      assertSafeId('task', taskId);
      return join(jobDir, taskId);
    case 'startTask':
      return join(rootDir, 'startup');
    case 'jobPreparation':
      return join(jobDir, 'jobpreparation');
    case 'jobRelease':
      return join(jobDir, 'jobrelease');
  }
}

/** The directories of one run. `jobId` is ignored for a start task, `taskId` for every kind but `task`. */
export function taskDirectories(
  rootDir: string,
  jobId: string,
  taskId: string,
  kind: RunKind = 'task',
): TaskDirectories {
  // A start task has no job: its directory is fixed, and the job segments are never used.
  const [workitems, workItem, jobRun] =
    kind === 'startTask' ? ['workitems', 'none', 'job-1'] : jobDirectorySegments(jobId);
  const jobDir = join(rootDir, workitems, workItem, jobRun);
  const taskDir = runDirectory(rootDir, jobDir, taskId, kind);
  return {
    taskDir,
    passThroughDirs: kind === 'startTask' ? [rootDir] : [jobDir, join(rootDir, workitems, workItem)],
    workingDir: join(taskDir, 'wd'),
    certsDir: join(taskDir, 'certs'),
    stdoutPath: join(taskDir, 'stdout.txt'),
    stderrPath: join(taskDir, 'stderr.txt'),
    jobPrepDir: join(jobDir, 'jobpreparation'),
    jobPrepWorkingDir: join(jobDir, 'jobpreparation', 'wd'),
  };
}

export interface TaskEnvironmentInput {
  rootDir: string;
  nodeId: string;
  poolId: string;
  jobId: string;
  taskId: string;
  /** Which directory the run uses (see `RunKind`). Default `task`. */
  kind?: RunKind | undefined;
  /** The claim's `environment` (user settings plus AZ_BATCH_ACCOUNT_NAME/_URL, _JOB_ID, _TASK_ID). */
  claimed: Readonly<Record<string, string>>;
  /** The system part of PATH. Default: the agent's PATH, else `STANDARD_SYSTEM_PATH`. */
  systemPath?: string | undefined;
  /** Sets AZ_BATCH_JOB_PREP_DIR/_WORKING_DIR (only when the job has a preparation task). Default false. */
  hasJobPreparation?: boolean | undefined;
  /** USER of the task. Default: the user the agent runs as. */
  user?: string | undefined;
  /** AZ_BATCH_TASK_USER_IDENTITY (PoolNonAdmin, TaskNonAdmin, or the account name). Default: none. */
  userIdentity?: string | undefined;
}

let userName: string | undefined;

/** The agent's user name, looked up once: `os.userInfo()` reads the password database on every call. */
function currentUser(): string {
  if (userName !== undefined) return userName;
  try {
    userName = userInfo().username;
  } catch {
    userName = process.env.USER ?? 'batchite';
  }
  return userName;
}

/** The full environment of a task process. */
export function buildTaskEnvironment(input: TaskEnvironmentInput): Record<string, string> {
  const node = nodeDirectories(input.rootDir);
  const task = taskDirectories(input.rootDir, input.jobId, input.taskId, input.kind);
  const systemPath = input.systemPath ?? process.env.PATH ?? STANDARD_SYSTEM_PATH;
  const base: Record<string, string> = {
    PATH: `${systemPath}:${node.sharedDir}:${task.workingDir}`,
    HOME: task.workingDir,
    PWD: task.workingDir,
    USER: input.user ?? currentUser(),
  };
  const nodeVariables: Record<string, string> = {
    AZ_BATCH_NODE_ROOT_DIR: node.rootDir,
    AZ_BATCH_NODE_SHARED_DIR: node.sharedDir,
    AZ_BATCH_NODE_STARTUP_DIR: node.startupDir,
    AZ_BATCH_NODE_STARTUP_WORKING_DIR: node.startupWorkingDir,
    AZ_BATCH_NODE_MOUNTS_DIR: node.mountsDir,
    AZ_BATCH_TASK_DIR: task.taskDir,
    AZ_BATCH_TASK_WORKING_DIR: task.workingDir,
    AZ_BATCH_CERTIFICATES_DIR: task.certsDir,
    AZ_BATCH_NODE_ID: input.nodeId,
    AZ_BATCH_POOL_ID: input.poolId,
    AZ_BATCH_NODE_IS_DEDICATED: 'true',
    AZ_BATCH_TASK_USER: input.user ?? currentUser(),
  };
  if (input.userIdentity !== undefined) nodeVariables.AZ_BATCH_TASK_USER_IDENTITY = input.userIdentity;
  // A multi-instance run (the server sent its host list): the task directory is the same path on every node.
  if (input.claimed.AZ_BATCH_HOST_LIST !== undefined) nodeVariables.AZ_BATCH_TASK_SHARED_DIR = task.taskDir;
  if (input.hasJobPreparation === true) {
    nodeVariables.AZ_BATCH_JOB_PREP_DIR = task.jobPrepDir;
    nodeVariables.AZ_BATCH_JOB_PREP_WORKING_DIR = task.jobPrepWorkingDir;
  }
  return { ...base, ...input.claimed, ...nodeVariables };
}
