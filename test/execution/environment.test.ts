/**
 * What a real task process sees (the Azure Batch docs "Azure Batch runtime environment variables", docs/task-semantics.md "On the node"):
 * the `AZ_BATCH_*` variables, the job's `commonEnvironmentSettings` overlaid by the task's `environmentSettings`,
 * its working directory as cwd, none of the agent's own environment, and a command line that is split into words
 * but never given to a shell.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { uniqueId } from '../support/ids.js';
import { addRunJob, readAll, sh, taskInState, withRunner, type Runner } from './helpers.js';

/**
 * Put into this process's environment before the server starts its agents (which inherit it): a task must
 * never see it, as it must never see the agent's account key.
 */
const CANARY_NAME = 'BATCHITE_EXECUTION_TEST_CANARY';
const CANARY_VALUE = `canary-${randomBytes(6).toString('hex')}`;
process.env[CANARY_NAME] = CANARY_VALUE;

async function stdoutOf(runner: Runner, jobId: string, taskId: string): Promise<string> {
  const file = await runner.client.file.getFromTask(jobId, taskId, 'stdout.txt');
  return (await readAll(file.readableStreamBody)).toString('utf8');
}

/** `KEY=VALUE` lines → map (values here never contain newlines). */
function parseEnv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return vars;
}

void describe('task environment', () => {
  const runner = withRunner({ slots: 2 });
  let jobId: string;
  let taskId: string;
  let vars: Map<string, string>;
  let stdout: string;
  let nodeId: string | undefined;

  before(async () => {
    jobId = await addRunJob(runner, {
      commonEnvironmentSettings: [
        { name: 'FROM_JOB', value: 'job-value' },
        { name: 'OVERRIDDEN', value: 'job-loses' },
      ],
    });
    taskId = uniqueId('env');
    await runner.client.task.add(jobId, {
      id: taskId,
      commandLine: sh(
        'env; echo "CWD=$(pwd -P)"; if [ -f "$AZ_BATCH_TASK_DIR/stdout.txt" ]; then echo STDOUT_IN_TASK_DIR=yes; fi',
      ),
      environmentSettings: [
        { name: 'OVERRIDDEN', value: 'task-wins' },
        { name: 'FROM_TASK', value: 'spaces and $dollar stay literal' },
      ],
    });
    const task = await taskInState(runner, jobId, taskId, 'completed');
    assert.equal(task.executionInfo?.exitCode, 0);
    nodeId = task.nodeInfo?.nodeId;
    stdout = await stdoutOf(runner, jobId, taskId);
    vars = parseEnv(stdout);
  });

  void it('has the AZ_BATCH_* identity variables', () => {
    assert.equal(vars.get('AZ_BATCH_ACCOUNT_NAME'), runner.server.accountName);
    assert.equal(vars.get('AZ_BATCH_POOL_ID'), runner.poolId);
    assert.ok(nodeId, 'the completed task names its node');
    assert.equal(vars.get('AZ_BATCH_NODE_ID'), nodeId);
    assert.equal(vars.get('AZ_BATCH_JOB_ID'), jobId);
    assert.equal(vars.get('AZ_BATCH_TASK_ID'), taskId);
    assert.ok(vars.get('AZ_BATCH_ACCOUNT_URL')?.startsWith(runner.server.url), 'AZ_BATCH_ACCOUNT_URL');
    assert.ok(vars.get('AZ_BATCH_NODE_ROOT_DIR'), 'AZ_BATCH_NODE_ROOT_DIR');
    assert.ok(vars.get('AZ_BATCH_NODE_SHARED_DIR'), 'AZ_BATCH_NODE_SHARED_DIR');
  });

  void it('AZ_BATCH_TASK_WORKING_DIR is the cwd, AZ_BATCH_TASK_DIR holds stdout.txt, HOME is wd', async () => {
    const taskDir = vars.get('AZ_BATCH_TASK_DIR');
    const workingDir = vars.get('AZ_BATCH_TASK_WORKING_DIR');
    assert.ok(taskDir && workingDir, 'both directories are set');
    assert.equal(workingDir, `${taskDir}/wd`);
    assert.equal(vars.get('CWD'), await realpath(workingDir), 'the process runs in the working directory');
    assert.equal(vars.get('STDOUT_IN_TASK_DIR'), 'yes', 'stdout.txt is written in AZ_BATCH_TASK_DIR');
    assert.equal(vars.get('HOME'), workingDir);
    assert.ok(taskDir.includes(`/workitems/${jobId}/job-1/${taskId}`), `task dir layout: ${taskDir}`);
  });

  void it('job commonEnvironmentSettings and task environmentSettings, the task winning', () => {
    assert.equal(vars.get('FROM_JOB'), 'job-value');
    assert.equal(vars.get('OVERRIDDEN'), 'task-wins');
    assert.equal(vars.get('FROM_TASK'), 'spaces and $dollar stay literal');
  });

  void it("none of the agent's environment leaks into the task", () => {
    assert.equal(vars.get(CANARY_NAME), undefined, 'the test process environment is not inherited');
    assert.ok(!stdout.includes(CANARY_VALUE));
    assert.equal(vars.get('BATCHITE_ACCOUNT_KEY'), undefined, 'no account key variable');
    assert.ok(!stdout.includes(runner.server.accountKey), 'the account key appears nowhere');
  });

  void it('the command line is not run by a shell: $HOME, quotes, | and > are not interpreted', async () => {
    const { client } = runner;
    const literal = uniqueId('literal');
    await client.task.add(jobId, { id: literal, commandLine: `echo $HOME "a  b" 'c|d' > out.txt` });
    const task = await taskInState(runner, jobId, literal, 'completed');
    assert.equal(task.executionInfo?.exitCode, 0);
    assert.equal(await stdoutOf(runner, jobId, literal), '$HOME a  b c|d > out.txt\n');
    const names = (await client.file.listFromTask(jobId, literal, { recursive: true })).map((f) => f.name);
    assert.ok(!names.includes('wd/out.txt'), 'no redirection happened');
  });
});
