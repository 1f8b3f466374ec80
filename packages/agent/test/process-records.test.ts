import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ProcessRecords, procStat, processRecordsDir } from '../src/process-records.js';

let root: string;
const children: ChildProcess[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'batchite-records-'));
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** A process group leader (`sleep`), as the task runner starts tasks. */
function leader(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child as ChildProcess & { pid: number }));
    child.once('error', reject);
  });
}

function exited(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));
}

/** A record as a dead agent left it (owner: a pid that no longer runs). */
async function deadOwnersRecord(dir: string, pid: number, startTime: string): Promise<void> {
  const owner = { pid: 2 ** 22 + 1, startTime: '1' };
  await writeFile(
    join(dir, `${pid}.json`),
    JSON.stringify({ pid, startTime, owner, jobId: 'j', taskId: 't' }),
  );
}

void describe('process records (orphans of an agent killed -9)', () => {
  void it('kills the recorded group of a dead agent, and forgets the record', async () => {
    const dir = processRecordsDir(join(root, 'a'));
    const records = new ProcessRecords(dir);
    const child = await leader();
    records.add(child.pid, { jobId: 'j', taskId: 't' });
    const recorded = procStat(child.pid);
    assert.ok(recorded !== undefined);
    // Rewrite the record as if a previous agent had written it.
    await deadOwnersRecord(dir, child.pid, recorded.startTime);
    const killed = await new ProcessRecords(dir).killOrphans();
    assert.deepEqual(killed, [child.pid]);
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.deepEqual(await readdir(dir), []);
  });

  void it('never kills a process whose start time differs (a recycled pid)', async () => {
    const dir = processRecordsDir(join(root, 'b'));
    const records = new ProcessRecords(dir);
    const child = await leader();
    records.add(child.pid, { jobId: 'j', taskId: 't' });
    await deadOwnersRecord(dir, child.pid, '1');
    assert.deepEqual(await new ProcessRecords(dir).killOrphans(), []);
    assert.equal(procStat(child.pid)?.state !== undefined, true, 'still running');
    assert.deepEqual(await readdir(dir), [], 'the stale record is forgotten');
  });

  void it('leaves the groups of a live agent alone (agents sharing a root)', async () => {
    const dir = processRecordsDir(join(root, 'c'));
    const child = await leader();
    new ProcessRecords(dir).add(child.pid, { jobId: 'j', taskId: 't' });
    assert.deepEqual(await new ProcessRecords(dir).killOrphans(), []);
    assert.ok(procStat(child.pid) !== undefined, 'still running');
    assert.deepEqual(await readdir(dir), [`${child.pid}.json`]);
    new ProcessRecords(dir).remove(child.pid);
    assert.deepEqual(await readdir(dir), []);
  });
});
