/**
 * The README's quick start, as a newcomer follows it, on a fresh clone of this working tree: the commands are read
 * from the README's `sh` blocks and run as written, in order — `npm ci && npm start`, then in a second "terminal"
 * `npx batchite run examples/commands.txt`, `npx batchite why JOB`, `npx batchite task logs JOB …` — and the test
 * fails if any of them fails or ends other than the README says.
 *
 * Two honest liberties, both about the install, none about the commands after it: `npm ci` runs with `--offline`
 * (from the npm cache the checkout's own install filled; no network in tests) and `--ignore-scripts`, and the one
 * native addon that an install script would compile (better-sqlite3, minutes of C++) is copied from this checkout's
 * node_modules, built for the same Node on the same machine. `npm_config_offline` stays set for every command, so
 * `npx batchite` must resolve inside the clone: it fails rather than ask the public registry.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A clean build of every package plus the install: generous, for a loaded 2-core machine. */
const START_TIMEOUT_MS = 8 * 60_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command lines of the README's ```sh blocks (comments and blank lines dropped), block by block. */
function readmeBlocks(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((match) =>
    match[1]!
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  );
}

/** The environment of a newcomer's shell: no BATCHITE_* settings, and no way to reach the public registry. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('BATCHITE_')),
  );
  return { ...env, npm_config_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1' };
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function git(args: string, cwd: string): Promise<string> {
  const result = await run(`git ${args}`, cwd, process.env);
  assert.equal(result.code, 0, `git ${args}: ${result.stderr}`);
  return result.stdout;
}

/** A clone at this checkout's HEAD, with the working tree's uncommitted and new (not ignored) files on top. */
async function cloneWorkingTree(into: string): Promise<void> {
  await git(`clone --quiet --no-checkout ${ROOT} ${into}`, tmpdir());
  await git(`checkout --quiet ${(await git('rev-parse HEAD', ROOT)).trim()}`, into);
  const changed = (await git('ls-files -z --modified --others --exclude-standard', ROOT)).split('\0');
  for (const file of changed.filter((name) => name !== '')) {
    if (!existsSync(join(ROOT, file))) rmSync(join(into, file), { force: true });
    else {
      mkdirSync(dirname(join(into, file)), { recursive: true });
      cpSync(join(ROOT, file), join(into, file));
    }
  }
}

describe('README quick start on a fresh clone', { timeout: 15 * 60_000 }, () => {
  const [setup, usage] = readmeBlocks();
  const clone = mkdtempSync(join(tmpdir(), 'batchite-readme-'));
  const env = newcomerEnv();
  let server: ChildProcess | undefined;
  let serverOutput = '';

  before(async () => {
    await cloneWorkingTree(clone);
  });

  after(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    rmSync(clone, { recursive: true, force: true });
  });

  it('shows the commands this test runs', () => {
    assert.deepEqual(setup, ['npm ci && npm start', 'npm test'], 'the first sh block of the README');
    assert.ok(usage !== undefined && usage.length >= 3, 'the second sh block of the README');
  });

  it('npm ci && npm start: installs, builds and serves', async () => {
    const install = await run('npm ci --offline --ignore-scripts --no-audit --no-fund', clone, env);
    assert.equal(install.code, 0, install.stderr);
    const addon = join('node_modules', 'better-sqlite3', 'build');
    cpSync(join(ROOT, addon), join(clone, addon), { recursive: true });
    // Its own process group, so the server and its agents stop together at the end. A free port instead of the
    // default 10100 (a developer's own server may hold it); the CLI below is not told: it must find it by itself.
    const port = await freePort();
    server = spawn('bash', ['-c', 'npm start'], {
      cwd: clone,
      env: { ...env, BATCHITE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (serverOutput += chunk));
    await waitFor(
      () => {
        assert.equal(server!.exitCode, null, `npm start exited: ${serverOutput}`);
        return serverOutput.includes(`endpoint:     http://127.0.0.1:${port}`);
      },
      {
        timeoutMs: START_TIMEOUT_MS,
        intervalMs: 200,
        what: 'the banner of npm start',
        lastSeen: () => serverOutput,
      },
    );
    assert.match(serverOutput, /dashboard: +http:\/\/127\.0\.0\.1:\d+\/ui#token=/);
  });

  it("then, in a second terminal, every command of the README's run block works as written", async () => {
    assert.ok(server !== undefined, 'npm start is running');
    let jobId: string | undefined;
    for (const line of usage!) {
      const command = jobId === undefined ? line : line.replaceAll('JOB', jobId);
      assert.ok(!command.includes('JOB'), `${line}: the job id is known by now`);
      const result = await run(command, clone, env);
      const said = `${command} → ${result.code}\n${result.stdout}\n${result.stderr}`;
      assert.doesNotMatch(result.stderr, /npm (error|ERR)/, said);
      if (command.startsWith('npx batchite run ')) {
        // As the README says: the last command of examples/commands.txt fails on purpose, so run exits 1.
        assert.equal(result.code, 1, said);
        assert.match(result.stdout, /^1 of 6 tasks failed \(job [^,]+, /m, said);
        jobId = /\(job ([^,]+), /.exec(result.stdout)?.[1];
      } else {
        assert.equal(result.code, 0, said);
      }
      if (command.includes(' why ')) assert.match(result.stdout, /No task is waiting|is completed/, said);
      if (command.includes(' task logs ')) assert.match(result.stdout, /cannot open input\.csv/, said);
    }
    assert.ok(jobId !== undefined, 'the run block starts with npx batchite run');
    assert.match(
      serverOutput,
      new RegExp(`job ${jobId} completed`),
      'the server terminal says the job ended',
    );
    assert.doesNotMatch(
      serverOutput,
      /request completed|incoming request/,
      'no per-request lines by default',
    );
  });
});
