import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listTaskFiles, parseOcpRange, resolveTaskPath, statTaskFile } from '../src/task-files.js';

const parent = mkdtempSync(join(tmpdir(), 'batchite-files-'));
const root = join(parent, 'task');
mkdirSync(join(root, 'wd', 'sub'), { recursive: true });
writeFileSync(join(root, 'stdout.txt'), 'hello');
writeFileSync(join(root, 'wd', 'sub', 'out.txt'), 'x');
writeFileSync(join(root, '..', 'secret-of-another-task.txt'), 'secret');
symlinkSync('/etc/passwd', join(root, 'wd', 'link'));
after(() => rmSync(parent, { recursive: true, force: true }));

describe('task files', () => {
  it('never resolves a path outside the task directory', () => {
    for (const path of [
      '../secret-of-another-task.txt',
      '/etc/passwd',
      'wd/../../x',
      '',
      'a\0b',
      '.',
      'wd/..',
    ]) {
      assert.throws(
        () => resolveTaskPath(root, path),
        (error: any) => error.code === 'FileNotFound',
        path,
      );
    }
    assert.equal(resolveTaskPath(root, 'wd/sub/out.txt'), join(root, 'wd', 'sub', 'out.txt'));
  });

  it('does not follow symbolic links', async () => {
    await assert.rejects(statTaskFile(root, 'wd/link'), (error: any) => error.code === 'FileNotFound');
    const names = (await listTaskFiles(root, true)).map((entry) => entry.name);
    assert.ok(!names.includes('wd/link'));
  });

  it('lists recursively with /-separated names, or only the top level', async () => {
    assert.deepEqual(
      (await listTaskFiles(root, true)).map((entry) => entry.name),
      ['stdout.txt', 'wd', 'wd/sub', 'wd/sub/out.txt'],
    );
    assert.deepEqual(
      (await listTaskFiles(root, false)).map((entry) => entry.name),
      ['stdout.txt', 'wd'],
    );
  });

  it('parses ocp-range and rejects ranges outside the file', () => {
    assert.deepEqual(parseOcpRange('bytes=0-3', 10), { start: 0, end: 3 });
    assert.deepEqual(parseOcpRange('bytes=5-', 10), { start: 5, end: 9 });
    assert.deepEqual(parseOcpRange('bytes=5-100', 10), { start: 5, end: 9 });
    assert.equal(parseOcpRange(undefined, 10), undefined);
    for (const bad of ['bytes=10-12', 'bytes=4-2', 'items=0-1', 'bytes=-5']) {
      assert.throws(
        () => parseOcpRange(bad, 10),
        (error: any) => error.code === 'InvalidRange',
        bad,
      );
    }
  });
});
