/**
 * Slurm nodes: each node of a `slurm:<partition>:<cpus>[:<memory>]` pool is one Slurm batch job (a pilot job,
 * as dask-jobqueue and Parsl's SlurmProvider submit) whose script `exec`s `batchite agent`, so the job's batch
 * step is the agent. The job's state, read with `squeue`, is the node's engine state: PENDING with Slurm's reason,
 * RUNNING, or ended (cancelled from outside, time limit, preemption, node failure) — then `exited` settles.
 * `stop('kill')` is `scancel`; `stop('drain')` sends SIGUSR2 to the batch step only (the agent drains and leaves,
 * and the job ends with it).
 *
 * The job script and the join token (mode 0600) are files in `dir`, which must be readable from the compute
 * nodes (a shared filesystem on a real cluster). The token is never in the environment or argv.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  parseSlurmShape,
  type EngineNodeState,
  type LaunchedNode,
  type NodeLauncher,
  type NodeLaunchRequest,
} from '@batchite/server';
import { DEFAULT_BIN_PATH, withoutBatchiteVariables } from './local-agents.js';

const run = promisify(execFile);

export interface SlurmNodeLauncherOptions {
  /** Where job scripts, join-token files and job output go; compute nodes must read it. */
  dir: string;
  /** sbatch --account. @defaultValue none (Slurm's default account) */
  account?: string;
  /** sbatch --time: the node's lifetime in Slurm. @defaultValue none (the partition's limit) */
  timeLimit?: string;
  /** More sbatch arguments, given as they are (e.g. --qos=…). @defaultValue none */
  sbatchArgs?: string[];
  /** The `batchite` entry script the job runs. @defaultValue this package's bin.js */
  binPath?: string;
  /** The Node.js executable the job runs. @defaultValue this process's */
  nodePath?: string;
  /** Extra environment of the Slurm commands (e.g. SLURM_CONF). @defaultValue none */
  env?: Record<string, string>;
  /** How often `squeue` is read while jobs are tracked. @defaultValue 2000 */
  pollMs?: number;
}

export const DEFAULT_SLURM_POLL_MS = 2000;

/** Slurm job states after which the job runs no more (squeue --states=all shows them until MinJobAge). */
const ENDED = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'TIMEOUT',
]);

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

interface TrackedJob {
  jobId?: string;
  state: EngineNodeState;
  ended: () => void;
}

export function slurmNodeLauncher(options: SlurmNodeLauncherOptions): NodeLauncher {
  const env = { ...withoutBatchiteVariables(process.env), ...options.env };
  const slurm = async (command: string, args: string[]): Promise<string> =>
    (await run(command, args, { env, encoding: 'utf8' })).stdout;
  const jobs = new Map<string, TrackedJob>();
  let poller: NodeJS.Timeout | undefined;

  const end = (job: TrackedJob, state: EngineNodeState): void => {
    job.state = state;
    if (job.jobId !== undefined) jobs.delete(job.jobId);
    if (jobs.size === 0 && poller !== undefined) {
      clearInterval(poller);
      poller = undefined;
    }
    job.ended();
  };

  const poll = async (): Promise<void> => {
    const listing = await slurm('squeue', ['--me', '-h', '--states=all', '-o', '%i|%T|%r']).catch(
      () => undefined,
    );
    if (listing === undefined) return; // slurmctld unreachable: states stay as last seen
    const rows = new Map(
      listing
        .split('\n')
        .map((line) => line.trim().split('|'))
        .map(([id = '', state = '', reason = '']) => [id, { state, reason }] as const),
    );
    for (const [jobId, job] of jobs) {
      const row = rows.get(jobId);
      if (row === undefined)
        end(job, { state: 'gone', reason: `Slurm job ${jobId} is no longer known to Slurm` });
      else if (ENDED.has(row.state))
        end(job, { state: 'gone', reason: `Slurm job ${jobId} ended: ${row.state}` });
      else if (row.state === 'PENDING')
        job.state = { state: 'pending', reason: `Slurm job ${jobId} is pending: ${row.reason}` };
      else job.state = { state: 'running' };
    }
  };

  const submit = async (request: NodeLaunchRequest): Promise<string> => {
    const shape = parseSlurmShape(request.vmSize);
    if (shape === undefined) throw new Error(`vmSize ${request.vmSize} is not a Slurm shape`);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const tokenFile = join(options.dir, `${request.nodeId}.token`);
    const script = join(options.dir, `${request.nodeId}.sh`);
    await writeFile(tokenFile, `${request.joinToken}\n`, { mode: 0o600 });
    const agent = [options.nodePath ?? process.execPath, options.binPath ?? DEFAULT_BIN_PATH, 'agent'];
    agent.push('--server', request.serverUrl, '--pool', request.poolId, '--node-id', request.nodeId);
    agent.push('--slots', String(request.slots), '--root', request.rootDir, '--join-token-file', tokenFile);
    await writeFile(script, `#!/bin/sh\nexec ${agent.map(shellQuote).join(' ')}\n`, { mode: 0o700 });
    const args = ['--parsable', `--job-name=batchite-${request.nodeId}`, `--partition=${shape.partition}`];
    args.push('--nodes=1', '--ntasks=1', `--cpus-per-task=${shape.cpus}`, `--chdir=${options.dir}`);
    args.push(`--output=${join(options.dir, `${request.nodeId}-%j.out`)}`);
    if (shape.memory !== undefined) args.push(`--mem=${shape.memory}`);
    if (options.account !== undefined) args.push(`--account=${options.account}`);
    if (options.timeLimit !== undefined) args.push(`--time=${options.timeLimit}`);
    args.push(...(options.sbatchArgs ?? []), script);
    // --parsable prints `<jobid>` or `<jobid>;<cluster>`.
    return (await slurm('sbatch', args)).trim().split(';')[0] ?? '';
  };

  return {
    launch(request: NodeLaunchRequest): LaunchedNode {
      let ended!: () => void;
      const exited = new Promise<void>((resolve) => (ended = resolve));
      const job: TrackedJob = { state: { state: 'pending', reason: 'submitting the Slurm job' }, ended };
      const submitted = submit(request).then(
        (jobId) => {
          job.jobId = jobId;
          jobs.set(jobId, job);
          job.state = { state: 'pending', reason: `Slurm job ${jobId} is submitted` };
          poller ??= setInterval(() => void poll(), options.pollMs ?? DEFAULT_SLURM_POLL_MS);
          return jobId;
        },
        (error: unknown) => {
          const stderr = (error as { stderr?: string }).stderr?.trim();
          end(job, { state: 'failed', reason: `sbatch failed: ${stderr || String(error)}` });
          return undefined;
        },
      );
      void exited.then(() =>
        Promise.all([
          rm(join(options.dir, `${request.nodeId}.token`), { force: true }),
          rm(join(options.dir, `${request.nodeId}.sh`), { force: true }),
        ]),
      );
      return {
        nodeId: request.nodeId,
        exited,
        engineState: () => job.state,
        async stop(mode) {
          const jobId = await submitted;
          if (jobId === undefined || !jobs.has(jobId)) return;
          const args = mode === 'kill' ? [jobId] : ['--batch', '--signal=USR2', jobId];
          await slurm('scancel', args).catch(() => undefined);
          await exited;
        },
      };
    },
  };
}
