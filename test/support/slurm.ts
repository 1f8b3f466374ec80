/**
 * A real single-host Slurm cluster for a test: Debian's `slurmctld` and `slurmd` (slurm-wlm 22.05) as child
 * processes with their own `slurm.conf`, state, spool and logs in a temp directory, on ports that were free, so
 * it coexists with any other cluster on the machine. `AuthType=auth/none` keeps munge out of it (one host, one
 * test). The node advertises more CPUs than the machine has (`SlurmdParameters=config_overrides`), so a 2-core
 * machine can still hold a pool of several multi-CPU nodes. Client commands reach it through `SLURM_CONF`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './serve-process.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** Upper bound for the cluster to come up or drain (a safety net, not a pace). */
const START_TIMEOUT_MS = 60_000;

export interface SlurmCluster {
  /** The cluster's directory (config, state, spool, logs). */
  readonly dir: string;
  /** The partition every node is in (the default one). */
  readonly partition: string;
  /** CPUs the single node advertises. */
  readonly cpus: number;
  /** `SLURM_CONF` for client commands (`sbatch`, `squeue`, `scancel`, `sinfo`). */
  readonly env: Record<string, string>;
  /** Runs a Slurm client command against this cluster; resolves with its stdout. */
  command(name: string, args: string[]): Promise<string>;
  /** The cluster's jobs still known to slurmctld: id, state and reason (`squeue`). */
  jobs(): Promise<SlurmJobRow[]>;
  /** Cancels every job, waits until none is left, then stops both daemons and removes the directory. */
  stop(): Promise<void>;
}

export interface SlurmJobRow {
  id: string;
  name: string;
  state: string;
  reason: string;
}

export interface SlurmClusterOptions {
  /** CPUs the node advertises. @defaultValue 8 */
  cpus?: number;
}

/**
 * Why the Slurm suites cannot run here, or `undefined` when they can: the daemons must be installed
 * (`scripts/ensure-slurm.sh`) and `slurmd` needs root.
 */
export function slurmMissing(): string | undefined {
  for (const command of ['slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo']) {
    const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
    if (found.status !== 0)
      return `${command} is not installed (bash scripts/ensure-slurm.sh: apt-get install slurm-wlm munge)`;
  }
  if (process.getuid?.() !== 0) return 'slurmd needs root to run jobs';
  return undefined;
}

function slurmConf(dir: string, name: string, ports: [number, number], cpus: number): string {
  return [
    `ClusterName=${name}`,
    'SlurmctldHost=localhost',
    `SlurmctldPort=${ports[0]}`,
    `SlurmdPort=${ports[1]}`,
    'AuthType=auth/none',
    'CredType=cred/none',
    'SlurmUser=root',
    'SlurmdUser=root',
    `StateSaveLocation=${join(dir, 'state')}`,
    `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
    `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_CPU',
    'SchedulerType=sched/backfill',
    'SchedulerParameters=sched_interval=1',
    'SlurmdParameters=config_overrides',
    'MpiDefault=none',
    'ReturnToService=2',
    'JobCompType=jobcomp/none',
    'AccountingStorageType=accounting_storage/none',
    // Ended jobs leave squeue after 5 s, not the default 300 (a cancelled node's job is looked up by id).
    'MinJobAge=5',
    'KillWait=5',
    `NodeName=localhost CPUs=${cpus} RealMemory=16000 State=UNKNOWN`,
    'PartitionName=batchite Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
    '',
  ].join('\n');
}

function daemon(command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { env, stdio: 'ignore' });
  child.once('error', () => undefined);
  return child;
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startSlurmCluster(options: SlurmClusterOptions = {}): Promise<SlurmCluster> {
  const cpus = options.cpus ?? 8;
  const dir = await mkdtemp(join(tmpdir(), 'batchite-slurm-'));
  for (const sub of ['state', 'spool', 'log']) await mkdir(join(dir, sub));
  const confPath = join(dir, 'slurm.conf');
  const name = `bt${process.pid}x${Date.now() % 100_000}`;
  await writeFile(confPath, slurmConf(dir, name, [await freePort(), await freePort()], cpus));
  const env = { SLURM_CONF: confPath };
  const daemonEnv = { ...process.env, ...env };
  const command = async (commandName: string, args: string[]): Promise<string> =>
    (await run(commandName, args, { env: daemonEnv, encoding: 'utf8' })).stdout;
  // -i: ignore state left by nothing (a fresh directory); -D: stay in the foreground as our child.
  const controller = daemon('slurmctld', ['-D', '-i'], daemonEnv);
  const node = daemon('slurmd', ['-D', '-N', 'localhost'], daemonEnv);
  const jobs = async (): Promise<SlurmJobRow[]> =>
    (await command('squeue', ['-h', '-o', '%i|%j|%T|%r']))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [id = '', jobName = '', state = '', reason = ''] = line.split('|');
        return { id, name: jobName, state, reason };
      });
  const stop = async (): Promise<void> => {
    // Jobs first, so no slurmstepd (and no agent under it) outlives the cluster.
    await command('scancel', ['--partition', 'batchite']).catch(() => undefined);
    await waitFor(async () => (await jobs().catch(() => [])).every((job) => job.state !== 'RUNNING'), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 200,
      what: 'the Slurm jobs to end',
    }).catch(() => undefined);
    await Promise.all([stopDaemon(node), stopDaemon(controller)]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (controller.exitCode !== null || node.exitCode !== null)
          throw new Error(`a Slurm daemon exited at start (logs in ${join(dir, 'log')})`);
        const state = await command('sinfo', ['-h', '-N', '-o', '%T']).catch(() => '');
        return state.trim() === 'idle';
      },
      { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what: 'the Slurm node to be idle' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, partition: 'batchite', cpus, env, command, jobs, stop };
}
