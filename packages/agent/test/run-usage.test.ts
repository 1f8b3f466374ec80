import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '@batchite/retry';
import { findLauncher, parseLauncherReport } from '../src/run-usage.js';
import { nodeDirectories } from '../src/task-environment.js';
import { runTask } from '../src/task-runner.js';

const launcher = findLauncher();
const skip = launcher === undefined ? 'no /usr/bin/perl on this machine: runs are not measured' : false;
let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'batchite-usage-'));
  await mkdir(nodeDirectories(root).sharedDir, { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function run(commandLine: string, measureUsage = true) {
  const taskId = `u${++counter}`;
  return runTask(
    { jobId: 'job1', taskId, commandLine, environment: {} },
    { rootDir: root, nodeId: 'node-1', poolId: 'local', clock: systemClock, measureUsage },
  ).done;
}

/** Busy work in a grandchild (sh → awk) for about 0.3 s of CPU: the launcher must see the whole tree. */
const BURN = `/bin/sh -c "awk 'BEGIN { for (i = 0; i < 3000000; i++) s += i * i; print s }' > /dev/null; exit 0"`;

describe('run usage (the launcher)', { skip }, () => {
  it('measures the CPU time of a process tree, never more than its wall clock allows', async () => {
    const outcome = await run(BURN);
    assert.equal(outcome.exitCode, 0);
    const usage = outcome.usage;
    assert.ok(usage !== undefined, 'a measured run carries its usage');
    const cpuMs = usage.userCpuMs + usage.kernelCpuMs;
    assert.ok(cpuMs > 0, `cpu ${cpuMs} ms`);
    const wallMs = Date.parse(outcome.endTime) - Date.parse(outcome.startTime);
    // One process at a time: CPU time cannot exceed the wall clock by more than the clock tick it is rounded to.
    assert.ok(cpuMs <= wallMs + 20, `cpu ${cpuMs} ms, wall ${wallMs} ms`);
  });

  it('counts the bytes a task writes to a file', { skip: !existsSync('/proc/self/io') }, async () => {
    const bytes = 3 * 1024 * 1024;
    const outcome = await run(`/bin/sh -c "head -c ${bytes} /dev/zero > out.bin"`);
    assert.equal(outcome.exitCode, 0);
    assert.ok((outcome.usage?.writeBytes ?? 0) >= bytes, `writeBytes ${outcome.usage?.writeBytes}`);
    assert.ok((outcome.usage?.writeOps ?? 0) > 0);
  });

  it('keeps exit codes above 128 as exit codes, and signals as signals', async () => {
    assert.equal((await run(`/bin/sh -c 'exit 130'`)).exitCode, 130);
    const killed = await run(`/bin/sh -c 'kill -TERM $$'`);
    assert.equal(killed.exitCode, -15);
    assert.equal(killed.signal, 'SIGTERM');
  });

  it('passes argv[0] as written to the program', async () => {
    const outcome = await run(`sh -c 'test "$0" = sh'`);
    assert.equal(outcome.exitCode, 0);
  });

  it('reports no usage when measuring is off', async () => {
    const outcome = await run(BURN, false);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.usage, undefined);
  });
});

describe('parseLauncherReport', () => {
  it('reads CPU seconds and I/O counters', () => {
    const report = parseLauncherReport(
      'cpu 0.31 0.02\nio read_bytes 4096\nio write_bytes 8192\nio syscr 7\nio syscw 3\n',
    );
    assert.deepEqual(report.usage, {
      userCpuMs: 310,
      kernelCpuMs: 20,
      readBytes: 4096,
      writeBytes: 8192,
      readOps: 7,
      writeOps: 3,
    });
  });

  it('reports a launch failure and no usage', () => {
    const report = parseLauncherReport('launch 13 Permission denied\n');
    assert.deepEqual(report, { launchFailure: { errno: 13, message: 'Permission denied' } });
  });

  it('leaves out what it cannot read instead of guessing', () => {
    assert.deepEqual(parseLauncherReport(''), {});
    assert.deepEqual(parseLauncherReport('cpu x y\n'), {});
    assert.equal(parseLauncherReport('cpu 0 0\nio write_bytes -5\n').usage?.writeBytes, 0);
  });
});
