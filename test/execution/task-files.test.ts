/**
 * after a real run the task directory holds `stdout.txt`,
 * `stderr.txt` and `wd/…`, listed, read (whole and by `ocp-range`), described by HEAD and deleted through the
 * official SDK, which sends `wd/x` as `wd%2Fx`. Raw signed requests then try to leave the task directory.
 */
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { BatchServiceClient } from '@azure/batch';
import { expectRestStatus } from '../support/errors.js';
import { uniqueId } from '../support/ids.js';
import { assertBatchErrorResponse, rawRequest } from '../support/raw.js';
import { sdkClient, type SentRequest } from '../support/sdk.js';
import { addRunJob, readAll, sh, taskInState, withRunner } from './helpers.js';

const STDOUT = 'hello files\nline two ünïcode\n';
const STDERR = 'oops\n';
const RESULT = 'result-data';
const NESTED = 'nested-data\n';

void describe('task files after a real run (scenario 17)', () => {
  const runner = withRunner({ slots: 2 });
  const sent: SentRequest[] = [];
  let client: BatchServiceClient;
  let jobId: string;
  let taskId: string;
  let otherTaskId: string;

  before(async () => {
    client = sdkClient(runner.server, { sent });
    jobId = await addRunJob(runner);
    taskId = uniqueId('writer');
    otherTaskId = uniqueId('other');
    const script = [
      `printf "hello files\\nline two ünïcode\\n"`,
      `printf "oops\\n" >&2`,
      `printf "${RESULT}" > result.txt`,
      'mkdir -p sub',
      `printf "nested-data\\n" > sub/deep.txt`,
    ].join('; ');
    await client.task.addCollection(jobId, [
      { id: taskId, commandLine: sh(script) },
      { id: otherTaskId, commandLine: sh('echo other-secret') },
    ]);
    for (const id of [taskId, otherTaskId]) {
      const task = await taskInState(runner, jobId, id, 'completed');
      assert.equal(task.executionInfo?.exitCode, 0, `${id} ran successfully`);
    }
  });

  void it('listFromTask(recursive) has stdout.txt, stderr.txt and wd/ files with their byte lengths', async () => {
    const files = await client.file.listFromTask(jobId, taskId, { recursive: true });
    assert.equal(files._response.status, 200);
    const byName = new Map(files.map((f) => [f.name, f]));
    const expectFile = (name: string, content: string) => {
      const file = byName.get(name);
      assert.ok(file, `${name} listed: ${[...byName.keys()].join(', ')}`);
      assert.equal(file.isDirectory, false, `${name} is a file`);
      assert.equal(file.properties?.contentLength, Buffer.byteLength(content), `${name} contentLength`);
      assert.ok(file.properties?.lastModified instanceof Date, `${name} lastModified`);
      assert.ok(file.url?.endsWith(`/files/${encodeURIComponent(name)}`), `${name} url: ${file.url}`);
    };
    expectFile('stdout.txt', STDOUT);
    expectFile('stderr.txt', STDERR);
    expectFile('wd/result.txt', RESULT);
    expectFile('wd/sub/deep.txt', NESTED);
    assert.equal(byName.get('wd')?.isDirectory, true, 'wd is a directory');
    assert.equal(byName.get('wd/sub')?.isDirectory, true, 'wd/sub is a directory');
  });

  void it('listFromTask without recursive lists only the top level', async () => {
    const files = await client.file.listFromTask(jobId, taskId);
    const names = files.map((f) => String(f.name));
    assert.ok(names.includes('stdout.txt') && names.includes('stderr.txt'), names.join(', '));
    assert.ok(names.includes('wd'), names.join(', '));
    assert.ok(!names.some((name) => name.includes('/')), `no nested names: ${names.join(', ')}`);
  });

  void it("$filter startswith(name,'wd') returns only the working directory's entries", async () => {
    const files = await client.file.listFromTask(jobId, taskId, {
      recursive: true,
      fileListFromTaskOptions: { filter: "startswith(name,'wd')" },
    });
    const names = files.map((f) => f.name).sort();
    assert.deepEqual(names, ['wd', 'wd/result.txt', 'wd/sub', 'wd/sub/deep.txt']);
  });

  void it('getFromTask streams stdout.txt and stderr.txt', async () => {
    const stdout = await client.file.getFromTask(jobId, taskId, 'stdout.txt');
    assert.equal(stdout._response.status, 200);
    assert.equal((await readAll(stdout.readableStreamBody)).toString('utf8'), STDOUT);
    assert.equal(stdout.contentLength, Buffer.byteLength(STDOUT));
    assert.equal(stdout.ocpBatchFileIsdirectory, false);
    const stderr = await client.file.getFromTask(jobId, taskId, 'stderr.txt');
    assert.equal((await readAll(stderr.readableStreamBody)).toString('utf8'), STDERR);
  });

  void it("ocpRange 'bytes=0-3' → status 200 with the first 4 bytes", async () => {
    const ranged = await client.file.getFromTask(jobId, taskId, 'stdout.txt', {
      fileGetFromTaskOptions: { ocpRange: 'bytes=0-3' },
    });
    assert.equal(ranged._response.status, 200);
    assert.equal((await readAll(ranged.readableStreamBody)).toString('utf8'), STDOUT.slice(0, 4));
    const tail = await client.file.getFromTask(jobId, taskId, 'stdout.txt', {
      fileGetFromTaskOptions: { ocpRange: 'bytes=6-10' },
    });
    assert.equal((await readAll(tail.readableStreamBody)).toString('utf8'), 'files');
  });

  void it('getPropertiesFromTask exposes ocpBatchFileIsdirectory and contentLength', async () => {
    const props = await client.file.getPropertiesFromTask(jobId, taskId, 'stdout.txt');
    assert.equal(props._response.status, 200);
    assert.equal(props.ocpBatchFileIsdirectory, false);
    assert.equal(props.contentLength, Buffer.byteLength(STDOUT));
    assert.ok(props.lastModified instanceof Date, 'lastModified');
    assert.ok(props.ocpCreationTime instanceof Date, 'ocp-creation-time');
    assert.ok(
      props.ocpBatchFileUrl?.endsWith('/files/stdout.txt'),
      `ocp-batch-file-url: ${props.ocpBatchFileUrl}`,
    );
  });

  void it('a file under wd/ is read through the SDK, which sends wd%2F on the wire', async () => {
    sent.length = 0;
    const result = await client.file.getFromTask(jobId, taskId, 'wd/result.txt');
    assert.equal((await readAll(result.readableStreamBody)).toString('utf8'), RESULT);
    const nested = await client.file.getPropertiesFromTask(jobId, taskId, 'wd/sub/deep.txt');
    assert.equal(nested.contentLength, Buffer.byteLength(NESTED));
    assert.equal(nested.ocpBatchFileIsdirectory, false);
    const paths = sent.map((r) => new URL(r.url).pathname);
    assert.deepEqual(paths, [
      `/jobs/${jobId}/tasks/${taskId}/files/wd%2Fresult.txt`,
      `/jobs/${jobId}/tasks/${taskId}/files/wd%2Fsub%2Fdeep.txt`,
    ]);
    const dir = await client.file.getPropertiesFromTask(jobId, taskId, 'wd/sub');
    assert.equal(dir.ocpBatchFileIsdirectory, true, 'a directory is described as one');
  });

  void it('deleteFromTask → 200, then the file is 404 and no longer listed', async () => {
    const deleted = await client.file.deleteFromTask(jobId, taskId, 'wd/result.txt');
    assert.equal(deleted._response.status, 200);
    await expectRestStatus(client.file.getPropertiesFromTask(jobId, taskId, 'wd/result.txt'), 404);
    await expectRestStatus(client.file.getFromTask(jobId, taskId, 'wd/result.txt'), 404);
    const names = (await client.file.listFromTask(jobId, taskId, { recursive: true })).map((f) => f.name);
    assert.ok(!names.includes('wd/result.txt'), names.join(', '));
    assert.ok(names.includes('wd/sub/deep.txt'), 'other files are untouched');
  });

  void describe('path traversal through raw signed requests', () => {
    const dbPath = () => join(runner.server.dataDir, 'batchite.db');
    // The task directory is <dataDir>/nodes/<node>/workitems/<job>/job-1/<task>: six levels below the database.
    const escapes = () => [
      '..%2F..%2F..%2F..%2F..%2F..%2Fbatchite.db',
      '..%2F..%2F..%2F..%2Fbatchite.db',
      '..%2F..%2Fbatchite.db',
      '..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fbatchite.db',
      'wd%2F..%2F..%2F..%2F..%2F..%2Fbatchite.db',
      '%2Fetc%2Fpasswd',
      `..%2F${otherTaskId}%2Fstdout.txt`,
      `wd%2F..%2F..%2F${otherTaskId}%2Fstdout.txt`,
      '..%5C..%5C..%5C..%5Cbatchite.db',
      '%252E%252E%252F%252E%252E%252F%252E%252E%252F%252E%252E%252Fbatchite.db',
    ];

    void it('GET of a path outside the task directory → 404 FileNotFound, never the content', async () => {
      await access(dbPath());
      const db = await readFile(dbPath());
      assert.ok(db.subarray(0, 16).toString('latin1').startsWith('SQLite format 3'), 'the database is there');
      for (const escape of escapes()) {
        const res = await rawRequest(runner.server, {
          method: 'GET',
          path: `/jobs/${jobId}/tasks/${taskId}/files/${escape}`,
        });
        assertBatchErrorResponse(res, { status: 404, code: 'FileNotFound' });
        assert.ok(!res.text.includes('SQLite format'), `${escape}: no database bytes`);
        assert.ok(!res.text.includes('other-secret'), `${escape}: no other task's output`);
        assert.ok(!res.text.includes('root:'), `${escape}: no /etc/passwd`);
      }
    });

    void it('HEAD and DELETE of a path outside the task directory → 404, nothing deleted', async () => {
      for (const escape of escapes()) {
        const path = `/jobs/${jobId}/tasks/${taskId}/files/${escape}`;
        const head = await rawRequest(runner.server, { method: 'HEAD', path });
        assert.equal(head.status, 404, `HEAD ${escape}`);
        const del = await rawRequest(runner.server, { method: 'DELETE', path, query: { recursive: 'true' } });
        assertBatchErrorResponse(del, { status: 404, code: 'FileNotFound' });
      }
      await access(dbPath());
      const other = await client.file.getFromTask(jobId, otherTaskId, 'stdout.txt');
      assert.equal((await readAll(other.readableStreamBody)).toString('utf8'), 'other-secret\n');
      assert.equal((await client.job.get(jobId)).id, jobId, 'the server still answers from its database');
    });

    void it('unencoded ../ in the request target → 404, never the content', async () => {
      const res = await rawRequest(runner.server, {
        method: 'GET',
        path: `/jobs/${jobId}/tasks/${taskId}/files/../../../../batchite.db`,
      });
      assert.ok(res.status === 404 || res.status === 400, `status ${res.status}: ${res.text.slice(0, 200)}`);
      assert.ok(!res.text.includes('SQLite format'), 'no database bytes');
    });
  });
});
