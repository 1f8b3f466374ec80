/**
 * Shared set-up of the end-to-end execution suites: one real server per file whose pool has real local nodes
 * (`batchite agent` child processes), plus a scratch directory the tasks write to, so a test can count real
 * executions, see real process ids and release a waiting task (a "gate") instead of sleeping.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { RestError } from '@azure/ms-rest-js';
import { addPool } from '../support/fixtures.js';
import { uniqueId } from '../support/ids.js';
import { waitForState } from '../support/poll.js';
import { sdkClient } from '../support/sdk.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor, type WaitOptions } from '../support/wait.js';

/** Upper bound for anything that involves a real process start (node join, claim, run, report). */
export const RUN_TIMEOUT_MS = 30_000;

/** Wraps a POSIX shell script as a Batch command line (the agent does not use a shell; the Azure Batch REST reference). */
export function sh(script: string): string {
  assert.ok(!script.includes("'"), 'sh(): the script must not contain single quotes');
  return `/bin/sh -c '${script}'`;
}

/**
 * Files under a temporary directory, keyed by a name the test picks (usually the task id):
 * `<key>.runs` gets one line per execution, `<key>.pid` the process id, `<key>.gate` releases a waiting task.
 */
export class Scratch {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Shell: record this execution (one more line in `<key>.runs`) and the shell's pid in `<key>.pid`. */
  mark(key: string): string {
    // umask 0: a later run of the same task may be another task user (root agent), and must append too.
    return `umask 0; echo run >> "${this.path(`${key}.runs`)}"; echo $$ > "${this.path(`${key}.pid`)}"`;
  }

  /**
   * Shell: wait until the test opens `<key>`'s gate (or the suite ends and opens them all), appending a line to
   * `<key>.ticks` about every 50 ms meanwhile, so a test can see the process is still alive and working.
   */
  waitForGate(key: string): string {
    const own = this.path(`${key}.gate`);
    const all = this.path('all.gate');
    const ticks = this.path(`${key}.ticks`);
    return `while [ ! -e "${own}" ] && [ ! -e "${all}" ]; do echo t >> "${ticks}"; sleep 0.05; done`;
  }

  /** Shell: mark, then wait for the gate, then exit with `exitCode`. */
  gated(key: string, exitCode = 0): string {
    return sh(`${this.mark(key)}; ${this.waitForGate(key)}; exit ${exitCode}`);
  }

  /** Shell: mark, then become `sleep <seconds>` (same pid, so `<key>.pid` is the sleeping process). */
  sleeper(key: string, seconds: number): string {
    return sh(`${this.mark(key)}; exec sleep ${seconds}`);
  }

  async open(key: string): Promise<void> {
    await writeFile(this.path(`${key}.gate`), 'open\n');
  }

  async openAll(): Promise<void> {
    await writeFile(this.path('all.gate'), 'open\n');
  }

  /** Lines in a scratch file; 0 when it does not exist (yet). */
  async lines(name: string): Promise<number> {
    try {
      return (await readFile(this.path(name), 'utf8')).split('\n').filter((l) => l !== '').length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /** How many times the task keyed `key` has started. */
  runs(key: string): Promise<number> {
    return this.lines(`${key}.runs`);
  }

  /**
   * Waits until the gated task keyed `key` has ticked `count` more times than now: proof that its process kept
   * running for at least `count` × 50 ms (used to outlast a heartbeat that would carry a kill).
   */
  async waitForTicks(key: string, count: number): Promise<void> {
    const target = (await this.lines(`${key}.ticks`)) + count;
    let last = 0;
    await waitFor(
      async () => {
        last = await this.lines(`${key}.ticks`);
        return last >= target;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `${count} more ticks of ${key}`, lastSeen: () => last },
    );
  }

  /** Waits until `<key>.runs` has at least `count` lines. */
  waitForRuns(key: string, count: number, options: WaitOptions = {}): Promise<number> {
    let last = 0;
    return waitFor(
      async () => {
        last = await this.runs(key);
        return last >= count ? last : undefined;
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `${count} runs of ${key}`, lastSeen: () => last, ...options },
    );
  }

  /** The pid the task keyed `key` last wrote (waits for the file to be written). */
  pid(key: string): Promise<number> {
    return waitFor(
      async () => {
        try {
          const pid = Number((await readFile(this.path(`${key}.pid`), 'utf8')).trim());
          return Number.isInteger(pid) && pid > 0 ? pid : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: RUN_TIMEOUT_MS, what: `pid of ${key}` },
    );
  }
}

/** True while a process with this id exists (signal 0 probes without signalling). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

export interface RunnerOptions {
  /** Nodes of the suite's pool. @defaultValue 1 */
  nodes?: number;
  /** `taskSlotsPerNode` of the pool. @defaultValue 4 */
  slots?: number;
}

export interface Runner {
  readonly server: TestServer;
  readonly client: BatchServiceClient;
  readonly poolId: string;
  readonly scratch: Scratch;
}

/** Polls until the pool has `count` nodes and all of them are idle. */
export async function waitForIdleNodes(client: BatchServiceClient, poolId: string, count: number) {
  let seen: unknown[] = [];
  await waitFor(
    async () => {
      const nodes = await client.computeNode.list(poolId);
      seen = nodes.map((n) => n.state);
      return nodes.length === count && nodes.every((n) => n.state === 'idle');
    },
    { timeoutMs: RUN_TIMEOUT_MS, what: `${count} idle node(s) in pool ${poolId}`, lastSeen: () => seen },
  );
}

/**
 * Registers hooks in the enclosing `describe`: a server with real local nodes, a pool with `targetDedicatedNodes`
 * whose nodes are idle before the first test, and a scratch directory. Afterwards every gate is opened (no task
 * is left waiting), then the server is disposed and the scratch directory removed.
 */
export function withRunner(options: RunnerOptions = {}): Runner {
  let state: Runner | undefined;
  before(async () => {
    const server = await startTestServer({ nodes: true });
    const scratch = new Scratch(await mkdtemp(join(tmpdir(), 'batchite-exec-')));
    // Under a root agent every task runs as its own user (docs/security.md): they all write here.
    await chmod(scratch.dir, 0o777);
    state = { server, scratch, client: sdkClient(server), poolId: '' };
    const nodes = options.nodes ?? 1;
    const poolId = await addPool(state.client, {
      targetDedicatedNodes: nodes,
      taskSlotsPerNode: options.slots ?? 4,
    });
    state = { ...state, poolId };
    await waitForIdleNodes(state.client, poolId, nodes);
  });
  after(async () => {
    if (state === undefined) return;
    await state.scratch.openAll();
    await state.server.dispose();
    await rm(state.scratch.dir, { recursive: true, force: true });
  });
  const current = (): Runner => {
    if (state === undefined) throw new Error('withRunner: not started (use it inside tests/hooks)');
    return state;
  };
  return {
    get server() {
      return current().server;
    },
    get client() {
      return current().client;
    },
    get poolId() {
      return current().poolId;
    },
    get scratch() {
      return current().scratch;
    },
  };
}

/** Adds a job on the runner's pool and returns its id. */
export async function addRunJob(
  runner: Runner,
  extra: Partial<BatchServiceModels.JobAddParameter> = {},
): Promise<string> {
  const id = extra.id ?? uniqueId('job');
  await runner.client.job.add({ id, poolInfo: { poolId: runner.poolId }, ...extra });
  return id;
}

/** Polls a task until it is in `state` (bounded by RUN_TIMEOUT_MS unless given). */
export function taskInState(
  runner: Runner,
  jobId: string,
  taskId: string,
  state: string,
  options: WaitOptions = {},
) {
  return waitForState(() => runner.client.task.get(jobId, taskId), state, {
    timeoutMs: RUN_TIMEOUT_MS,
    what: `task ${taskId} ${state}`,
    ...options,
  });
}

/** Polls a job until it is in `state`. */
export function jobInState(runner: Runner, jobId: string, state: string, options: WaitOptions = {}) {
  return waitForState(() => runner.client.job.get(jobId), state, {
    timeoutMs: RUN_TIMEOUT_MS,
    what: `job ${jobId} ${state}`,
    ...options,
  });
}

export interface Refusal {
  statusCode: number | undefined;
  code: string | undefined;
}

/** Awaits a call that must be refused with a Batch error body; returns its status and code. */
export async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    const body = error.body as { code?: unknown; message?: { value?: unknown } } | undefined;
    assert.equal(typeof body?.code, 'string', `the error body has a code (${error.statusCode})`);
    assert.equal(typeof body?.message?.value, 'string', 'the error body has message.value');
    return { statusCode: error.statusCode, code: error.code };
  }
  assert.fail('expected the call to be refused, but it succeeded');
}

/**
 * Awaits a call that must be refused with `statusCode` and a Batch error body; returns the error code so a test
 * can report it where the Batch docs do not pin it down.
 */
export async function refusedWith(
  promise: Promise<unknown>,
  statusCode: number,
): Promise<string | undefined> {
  const refused = await refusal(promise);
  assert.equal(refused.statusCode, statusCode, `unexpected ${refused.statusCode} ${refused.code}`);
  return refused.code;
}

/** Collects a Node readable stream (the SDK's `readableStreamBody`) into a Buffer. */
export async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  assert.ok(stream, 'the response has a readable body');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
