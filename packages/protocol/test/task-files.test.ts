import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  deleteTaskFile,
  listTaskFiles,
  moveTree,
  openTaskFile,
  parseOcpRange,
  removeTree,
  resolveTaskPath,
  statTaskFile,
  taskDirectoryRef,
  jobDirectorySegments,
  jobRemovalSegments,
} from '../src/task-files.js';

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

  it('follows no link below the node root, not even the task directory itself', async () => {
    const nodeRoot = join(parent, 'node');
    const jobDir = join(nodeRoot, 'workitems', 'j', 'job-1');
    mkdirSync(join(jobDir, 'real', 'wd'), { recursive: true });
    writeFileSync(join(jobDir, 'real', 'stdout.txt'), 'mine');
    symlinkSync(join(jobDir, 'real'), join(jobDir, 'swapped'));
    const real = taskDirectoryRef(nodeRoot, 'j', 'real');
    const swapped = taskDirectoryRef(nodeRoot, 'j', 'swapped');
    assert.equal((await statTaskFile(real, 'stdout.txt')).size, 4);
    await assert.rejects(statTaskFile(swapped, 'stdout.txt'), (error: any) => error.code === 'FileNotFound');
    assert.deepEqual(await listTaskFiles(swapped, true), []);
    const stream = await openTaskFile(real, 'stdout.txt', { start: 1, end: 2 });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'in');
  });

  it('deletes a link itself, never its target; recursive deletes remove links as links', async () => {
    const victim = join(parent, 'victim');
    mkdirSync(join(victim, 'sub'), { recursive: true });
    writeFileSync(join(victim, 'sub', 'keep.txt'), 'keep');
    const task = join(parent, 'deleting');
    mkdirSync(join(task, 'wd', 'dir'), { recursive: true });
    symlinkSync(victim, join(task, 'wd', 'v'));
    symlinkSync(victim, join(task, 'wd', 'dir', 'v'));
    await assert.rejects(
      deleteTaskFile(task, 'wd/v/sub', true),
      (error: any) => error.code === 'FileNotFound',
    );
    await deleteTaskFile(task, 'wd/v', false);
    assert.equal(existsSync(join(task, 'wd', 'v')), false);
    await deleteTaskFile(task, 'wd/dir', true);
    assert.equal(existsSync(join(task, 'wd', 'dir')), false);
    assert.equal(readFileSync(join(victim, 'sub', 'keep.txt'), 'utf8'), 'keep');
  });

  it('removeTree removes links as links; moveTree moves a link as a link', async () => {
    const victim = join(parent, 'victim2');
    mkdirSync(victim);
    writeFileSync(join(victim, 'keep.txt'), 'keep');
    const base = join(parent, 'tree');
    mkdirSync(join(base, 'a', 'b'), { recursive: true });
    symlinkSync(victim, join(base, 'a', 'b', 'link'));
    symlinkSync(victim, join(base, 'moved-link'));
    mkdirSync(join(base, 'to'));
    assert.equal(await moveTree(base, ['moved-link'], join(base, 'to'), 'x'), true);
    assert.ok(lstatSync(join(base, 'to', 'x')).isSymbolicLink());
    assert.equal(await moveTree(base, ['missing'], join(base, 'to'), 'y'), false);
    await removeTree(base, ['a']);
    await removeTree(base, ['to']);
    await removeTree(base, ['never-there']);
    assert.equal(existsSync(join(base, 'a')), false);
    assert.equal(existsSync(join(base, 'to')), false);
    assert.equal(readFileSync(join(victim, 'keep.txt'), 'utf8'), 'keep');
  });
});

void describe('job directories', () => {
  void it('lay a direct job out as workitems/<job>/job-1 and a schedule run as workitems/<schedule>/job-<n>', () => {
    assert.deepEqual(jobDirectorySegments('render'), ['workitems', 'render', 'job-1']);
    assert.deepEqual(jobDirectorySegments('nightly:job-12'), ['workitems', 'nightly', 'job-12']);
    assert.deepEqual(jobRemovalSegments('render'), ['workitems', 'render']);
    assert.deepEqual(jobRemovalSegments('nightly:job-12'), ['workitems', 'nightly', 'job-12']);
  });

  void it('refuse any other id that could name a path', () => {
    for (const id of ['..', 'a/b', 'x:job-0', 'x:job-1/..', ':job-1', 'x:../job-1', 'a'.repeat(65), '']) {
      assert.throws(() => jobDirectorySegments(id), /unsafe job id/, id);
    }
  });
});
