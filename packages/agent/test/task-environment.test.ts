import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import {
  STANDARD_SYSTEM_PATH,
  buildTaskEnvironment,
  nodeDirectories,
  taskDirectories,
} from '../src/task-environment.js';

const ROOT = '/mnt/batch/tasks';

function build(extra: Partial<Parameters<typeof buildTaskEnvironment>[0]> = {}): Record<string, string> {
  return buildTaskEnvironment({
    rootDir: ROOT,
    nodeId: 'tvm-1',
    poolId: 'local',
    jobId: 'myjob',
    taskId: 'mytask3',
    claimed: {
      AZ_BATCH_ACCOUNT_NAME: 'batchite',
      AZ_BATCH_ACCOUNT_URL: 'http://127.0.0.1:10100/',
      AZ_BATCH_JOB_ID: 'myjob',
      AZ_BATCH_TASK_ID: 'mytask3',
      GREETING: 'hello',
    },
    systemPath: STANDARD_SYSTEM_PATH,
    user: '_azbatch',
    ...extra,
  });
}

describe('task directories', () => {
  it('follows the Linux node layout', () => {
    const dirs = taskDirectories(ROOT, 'myjob', 'mytask3');
    assert.equal(dirs.taskDir, '/mnt/batch/tasks/workitems/myjob/job-1/mytask3');
    assert.equal(dirs.workingDir, '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/wd');
    assert.equal(dirs.stdoutPath, '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/stdout.txt');
    assert.equal(dirs.stderrPath, '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/stderr.txt');
    assert.equal(nodeDirectories(ROOT).sharedDir, '/mnt/batch/tasks/shared');
  });

  it('puts start, preparation and release tasks where a Batch node puts them', () => {
    const start = taskDirectories(ROOT, '', 'ignored', 'startTask');
    assert.equal(start.taskDir, '/mnt/batch/tasks/startup');
    assert.equal(start.workingDir, '/mnt/batch/tasks/startup/wd');
    assert.deepEqual(start.passThroughDirs, [ROOT]);
    const prep = taskDirectories(ROOT, 'myjob', 'ignored', 'jobPreparation');
    assert.equal(prep.taskDir, '/mnt/batch/tasks/workitems/myjob/job-1/jobpreparation');
    assert.equal(prep.stdoutPath, '/mnt/batch/tasks/workitems/myjob/job-1/jobpreparation/stdout.txt');
    const release = taskDirectories(ROOT, 'myjob', 'ignored', 'jobRelease');
    assert.equal(release.workingDir, '/mnt/batch/tasks/workitems/myjob/job-1/jobrelease/wd');
    assert.deepEqual(release.passThroughDirs, [
      '/mnt/batch/tasks/workitems/myjob/job-1',
      '/mnt/batch/tasks/workitems/myjob',
    ]);
    assert.throws(() => taskDirectories(ROOT, '..', 't', 'jobRelease'), /unsafe job id/);
  });

  it('refuses ids that could leave the task tree', () => {
    for (const bad of ['..', 'a/b', '', 'x'.repeat(65), 'sched:job-0', 'sched:../job-1', ':job-1']) {
      assert.throws(() => taskDirectories(ROOT, bad, 't'), /unsafe job id/);
      assert.throws(() => taskDirectories(ROOT, 'j', bad), /unsafe task id/);
    }
    assert.throws(() => taskDirectories(ROOT, 'j', 'sched:job-1'), /unsafe task id/);
  });

  it("puts a job schedule's n-th job in workitems/<schedule>/job-<n>, as Batch does", () => {
    const dirs = taskDirectories(ROOT, 'nightly:job-3', 't');
    assert.equal(dirs.taskDir, join(ROOT, 'workitems', 'nightly', 'job-3', 't'));
    assert.deepEqual(dirs.passThroughDirs, [
      join(ROOT, 'workitems', 'nightly', 'job-3'),
      join(ROOT, 'workitems', 'nightly'),
    ]);
  });
});

describe('buildTaskEnvironment', () => {
  it('sets the node variables, HOME, PWD, USER and PATH as a real node does', () => {
    const env = build();
    assert.deepEqual(env, {
      PATH: `${STANDARD_SYSTEM_PATH}:/mnt/batch/tasks/shared:/mnt/batch/tasks/workitems/myjob/job-1/mytask3/wd`,
      HOME: '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/wd',
      PWD: '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/wd',
      USER: '_azbatch',
      GREETING: 'hello',
      AZ_BATCH_ACCOUNT_NAME: 'batchite',
      AZ_BATCH_ACCOUNT_URL: 'http://127.0.0.1:10100/',
      AZ_BATCH_JOB_ID: 'myjob',
      AZ_BATCH_TASK_ID: 'mytask3',
      AZ_BATCH_NODE_ROOT_DIR: '/mnt/batch/tasks',
      AZ_BATCH_NODE_SHARED_DIR: '/mnt/batch/tasks/shared',
      AZ_BATCH_NODE_STARTUP_DIR: '/mnt/batch/tasks/startup',
      AZ_BATCH_NODE_STARTUP_WORKING_DIR: '/mnt/batch/tasks/startup/wd',
      AZ_BATCH_NODE_MOUNTS_DIR: '/mnt/batch/tasks/fsmounts',
      AZ_BATCH_TASK_DIR: '/mnt/batch/tasks/workitems/myjob/job-1/mytask3',
      AZ_BATCH_TASK_WORKING_DIR: '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/wd',
      AZ_BATCH_CERTIFICATES_DIR: '/mnt/batch/tasks/workitems/myjob/job-1/mytask3/certs',
      AZ_BATCH_NODE_ID: 'tvm-1',
      AZ_BATCH_POOL_ID: 'local',
      AZ_BATCH_NODE_IS_DEDICATED: 'true',
      AZ_BATCH_TASK_USER: '_azbatch',
    });
  });

  it('does not leak the agent environment into tasks', () => {
    process.env.BATCHITE_ACCOUNT_KEY_LEAK_CHECK = 'secret';
    try {
      const env = build();
      assert.equal(env.BATCHITE_ACCOUNT_KEY_LEAK_CHECK, undefined);
    } finally {
      delete process.env.BATCHITE_ACCOUNT_KEY_LEAK_CHECK;
    }
  });

  it('lets user settings override PATH and HOME, but never the node directories', () => {
    const env = build({
      claimed: {
        PATH: '/opt/tool/bin',
        HOME: '/home/me',
        AZ_BATCH_TASK_DIR: '/elsewhere',
        AZ_BATCH_NODE_ID: 'x',
      },
    });
    assert.equal(env.PATH, '/opt/tool/bin');
    assert.equal(env.HOME, '/home/me');
    assert.equal(env.AZ_BATCH_TASK_DIR, '/mnt/batch/tasks/workitems/myjob/job-1/mytask3');
    assert.equal(env.AZ_BATCH_NODE_ID, 'tvm-1');
  });

  it('names the job preparation directories only when the job has a preparation task', () => {
    assert.equal(build().AZ_BATCH_JOB_PREP_DIR, undefined);
    const env = build({ hasJobPreparation: true });
    assert.equal(env.AZ_BATCH_JOB_PREP_DIR, '/mnt/batch/tasks/workitems/myjob/job-1/jobpreparation');
    assert.equal(
      env.AZ_BATCH_JOB_PREP_WORKING_DIR,
      '/mnt/batch/tasks/workitems/myjob/job-1/jobpreparation/wd',
    );
  });

  it("defaults the system PATH to the agent's PATH", () => {
    const env = build({ systemPath: undefined });
    assert.ok(env.PATH?.startsWith(`${process.env.PATH ?? STANDARD_SYSTEM_PATH}:`));
  });
});
