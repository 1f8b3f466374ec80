/**
 * Process groups of running tasks, recorded on disk so that an agent started after one that was killed -9 finds
 * and kills what its predecessor left (otherwise those processes live on while their tasks are requeued and run
 * again: two copies of one task writing the same outputs).
 *
 * One file per task process group in `<rootDir>/.agent/processes/` (mode 0700): the group leader's pid and its
 * start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot), and the same two facts of the agent that
 * started it. A record is acted on only when its agent is gone (so agents sharing a root, like the local nodes
 * of `batchite serve`, never kill each other's tasks), and a pid is killed only when it is still the process
 * that was recorded (same start time, still leading its group), so a recycled pid is never killed. A group
 * whose leader has exited but whose members live on is still the recorded group: Linux does not hand out a pid
 * that is still some group's id. Linux only (`/proc`); elsewhere nothing is recorded.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** One process of `/proc/<pid>/stat`, the fields used here. */
export interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

interface ProcessIdentity {
  pid: number;
  startTime: string;
}

interface ProcessRecord extends ProcessIdentity {
  owner: ProcessIdentity;
  jobId: string;
  taskId: string;
}

export function processRecordsDir(rootDir: string): string {
  return join(rootDir, '.agent', 'processes');
}

/** Reads `/proc/<pid>/stat`; undefined when there is no such process (or no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

function identity(pid: number): ProcessIdentity | undefined {
  const stat = procStat(pid);
  return stat === undefined ? undefined : { pid, startTime: stat.startTime };
}

function alive(recorded: ProcessIdentity): boolean {
  const stat = procStat(recorded.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === recorded.startTime;
}

/** Live (non-zombie) members of process group `pgid`. */
function groupMembers(pgid: number): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => {
    const stat = procStat(pid);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

/** The recorded group, if it still exists and is still the one recorded. */
function recordedGroupLives(record: ProcessRecord): boolean {
  const leader = procStat(record.pid);
  if (leader !== undefined) return leader.startTime === record.startTime && leader.pgrp === record.pid;
  return groupMembers(record.pid).length > 0;
}

/** Records and forgets the process groups this agent starts. */
export class ProcessRecords {
  readonly #owner: ProcessIdentity | undefined = identity(process.pid);

  constructor(readonly dir: string) {}

  /** False where processes cannot be identified (no /proc): nothing is recorded. */
  get enabled(): boolean {
    return this.#owner !== undefined;
  }

  /** Records the group led by `pid` (synchronous: called right after spawn). Never throws. */
  add(pid: number, task: { jobId: string; taskId: string }): void {
    const owner = this.#owner;
    const leader = identity(pid);
    if (owner === undefined || leader === undefined) return;
    const record: ProcessRecord = { ...leader, owner, jobId: task.jobId, taskId: task.taskId };
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(this.dir, `${pid}.json`), JSON.stringify(record), { mode: 0o600 });
    } catch {
      // Best effort: a run is never refused because its record could not be written.
    }
  }

  /** Forgets the group led by `pid` (it exited or was killed and reaped). Never throws. */
  remove(pid: number): void {
    try {
      unlinkSync(join(this.dir, `${pid}.json`));
    } catch {
      // already gone
    }
  }

  /**
   * Kills every recorded group whose agent is gone, then waits (bounded by `waitMs`) until those processes
   * have died. Returns the pids of the groups it killed. The wait is on the OS, not on logical time: real
   * timers, never a test's fake clock.
   */
  async killOrphans(waitMs = 5_000): Promise<number[]> {
    if (this.#owner === undefined) return [];
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.json'));
    } catch {
      return [];
    }
    const killed: number[] = [];
    for (const name of names) {
      const record = readRecord(join(this.dir, name));
      if (record !== undefined && alive(record.owner)) continue; // a live agent's task
      if (record !== undefined && recordedGroupLives(record)) {
        try {
          process.kill(-record.pid, 'SIGKILL');
          killed.push(record.pid);
        } catch {
          // gone meanwhile
        }
      }
      this.remove(Number.parseInt(name, 10));
    }
    const deadline = Date.now() + waitMs;
    while (killed.some((pid) => groupMembers(pid).length > 0) && Date.now() < deadline) await delay(10);
    return killed;
  }
}

function readRecord(path: string): ProcessRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<ProcessRecord>;
    const valid =
      Number.isInteger(record.pid) &&
      (record.pid ?? 0) > 1 &&
      typeof record.startTime === 'string' &&
      Number.isInteger(record.owner?.pid) &&
      typeof record.owner?.startTime === 'string';
    return valid ? (record as ProcessRecord) : undefined;
  } catch {
    return undefined;
  }
}
