import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeClock, systemClock, type Clock } from '@batchite/retry';
import { nodeDirectories, taskDirectories } from '../src/task-environment.js';
import { runTask, signalExitCode, type TaskOutcome } from '../src/task-runner.js';

let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'batchite-runner-'));
  await mkdir(nodeDirectories(root).sharedDir, { recursive: true });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

function run(
  commandLine: string,
  extra: { taskId?: string; maxWallClockTimeMs?: number; clock?: Clock } = {},
) {
  const taskId = extra.taskId ?? `t${++counter}`;
  const task = runTask(
    {
      jobId: 'job1',
      taskId,
      commandLine,
      environment: { AZ_BATCH_TASK_ID: taskId },
      maxWallClockTimeMs: extra.maxWallClockTimeMs,
    },
    { rootDir: root, nodeId: 'node-1', poolId: 'local', clock: extra.clock ?? systemClock },
  );
  return { task, dirs: taskDirectories(root, 'job1', taskId) };
}

async function outputOf(taskId: string): Promise<{ stdout: string; stderr: string }> {
  const dirs = taskDirectories(root, 'job1', taskId);
  return { stdout: await readFile(dirs.stdoutPath, 'utf8'), stderr: await readFile(dirs.stderrPath, 'utf8') };
}

/** True once `pid` is gone or a zombie (a container's PID 1 may never reap reparented children). */
async function processGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (status === '' || / Z /.test(status)) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

function assertExited(outcome: TaskOutcome, exitCode: number): void {
  assert.equal(outcome.exitCode, exitCode);
  assert.equal(outcome.launchError, undefined);
  assert.ok(!Number.isNaN(Date.parse(outcome.startTime)));
  assert.ok(Date.parse(outcome.endTime) >= Date.parse(outcome.startTime));
}

describe('runTask', () => {
  it('reports exit code 0', async () => {
    const outcome = await run('/bin/sh -c "exit 0"').task.done;
    assertExited(outcome, 0);
    assert.equal(outcome.killedBy, undefined);
  });

  it('reports a nonzero exit code', async () => {
    assertExited(await run("/bin/sh -c 'exit 3'").task.done, 3);
  });

  it('writes stdout and stderr to the task directory and runs in wd with the task environment', async () => {
    const { task, dirs } = run(`/bin/sh -c 'echo "out $AZ_BATCH_TASK_ID"; pwd; echo err >&2; echo "$HOME"'`, {
      taskId: 'streams',
    });
    assertExited(await task.done, 0);
    const { stdout, stderr } = await outputOf('streams');
    assert.equal(stdout, `out streams\n${dirs.workingDir}\n${dirs.workingDir}\n`);
    assert.equal(stderr, 'err\n');
  });

  it('finds a bare program name on the task PATH and passes argv[0] as written', async () => {
    const { task } = run('cat /proc/self/cmdline', { taskId: 'argv' });
    assertExited(await task.done, 0);
    assert.equal((await outputOf('argv')).stdout, 'cat\0/proc/self/cmdline\0');
  });

  it('finds programs placed in the shared directory', async () => {
    const script = join(nodeDirectories(root).sharedDir, 'shared-tool');
    await writeFile(script, '#!/bin/sh\necho "shared tool $1"\n', { mode: 0o755 });
    const { task } = run('shared-tool ok', { taskId: 'shared' });
    assertExited(await task.done, 0);
    assert.equal((await outputOf('shared')).stdout, 'shared tool ok\n');
  });

  it('reports CommandProgramNotFound without an exit code when the program does not exist', async () => {
    for (const commandLine of ['no-such-program-batchite arg', './missing.sh', '/nonexistent/bin/tool']) {
      const outcome = await run(commandLine).task.done;
      assert.equal(outcome.launchError?.code, 'CommandProgramNotFound', commandLine);
      assert.equal(outcome.exitCode, undefined);
    }
  });

  it('reports CommandLaunchFailed for a file that is not executable', async () => {
    const script = join(nodeDirectories(root).sharedDir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    await chmod(script, 0o644);
    for (const commandLine of ['not-executable.sh', script]) {
      const outcome = await run(commandLine).task.done;
      assert.equal(outcome.launchError?.code, 'CommandLaunchFailed', commandLine);
      assert.equal(outcome.exitCode, undefined);
    }
  });

  it('reports CommandLaunchFailed for an unsplittable or empty command line', async () => {
    for (const commandLine of ['/bin/sh -c "echo', '   ']) {
      const outcome = await run(commandLine).task.done;
      assert.equal(outcome.launchError?.code, 'CommandLaunchFailed', commandLine);
      assert.equal(outcome.exitCode, undefined);
    }
  });

  it('reports a process killed by a signal as the negative signal number', async () => {
    const outcome = await run(`/bin/sh -c 'kill -TERM $$'`).task.done;
    assert.equal(outcome.exitCode, -15);
    assert.equal(outcome.signal, 'SIGTERM');
    assert.equal(signalExitCode('SIGKILL'), -9);
  });

  it('kills the whole process group when the wall-clock limit passes on the injected clock', async () => {
    const clock = new FakeClock(Date.parse('2025-01-01T00:00:00Z'));
    const { task, dirs } = run(`/bin/sh -c 'sleep 60 & echo $! > child.pid; wait'`, {
      maxWallClockTimeMs: 5_000,
      clock,
    });
    await clock.sleeping(1); // the wall-clock timer is armed: the process runs
    const childPid = await waitForFile(join(dirs.workingDir, 'child.pid'));
    await clock.advance(4_999);
    assert.equal(await isRunning(childPid), true, 'still running 1 ms before the limit');
    await clock.advance(1);
    const outcome = await task.done;
    assert.equal(outcome.killedBy, 'wallClock');
    assert.equal(outcome.exitCode, -9);
    assert.equal(outcome.startTime, '2025-01-01T00:00:00.000Z');
    assert.equal(outcome.endTime, '2025-01-01T00:00:05.000Z');
    assert.ok(await processGone(childPid), 'the background child was killed with its group');
  });

  it('kill("terminate") kills the process and says so', async () => {
    const clock = new FakeClock();
    const { task } = run('sleep 60', { clock, maxWallClockTimeMs: 60_000 });
    await clock.sleeping(1);
    task.kill('terminate');
    task.kill('leaseLost'); // the first reason wins
    const outcome = await task.done;
    assert.equal(outcome.killedBy, 'terminate');
    assert.equal(outcome.exitCode, -9);
  });

  it('streams 50 MB of stdout to the file without holding it in memory', async () => {
    const size = 50 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    const { task, dirs } = run(`head -c ${size} /dev/zero`);
    assertExited(await task.done, 0);
    const growth = process.memoryUsage().rss - rssBefore;
    assert.equal((await stat(dirs.stdoutPath)).size, size);
    assert.ok(growth < 20 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  });

  it('empties wd and truncates the output files when a task runs again on the node', async () => {
    const first = run(
      `/bin/sh -c 'echo first run output; echo x > leftover.txt; mkdir sub; echo y > sub/z'`,
      {
        taskId: 'rerun',
      },
    );
    assertExited(await first.task.done, 0);
    assert.equal((await stat(join(first.dirs.workingDir, 'leftover.txt'))).isFile(), true);
    const second = run(`/bin/sh -c 'ls -A; echo second'`, { taskId: 'rerun' });
    assertExited(await second.task.done, 0);
    assert.equal((await outputOf('rerun')).stdout, 'second\n');
  });
});

async function isRunning(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return status !== '' && !/ Z /.test(status);
}

async function waitForFile(path: string): Promise<number> {
  for (let i = 0; i < 500; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.endsWith('\n')) return Number(text.trim());
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${path} never appeared`);
}
