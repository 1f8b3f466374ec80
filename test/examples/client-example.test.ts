/**
 * The README's client example, run as a user runs it: `node examples/client.mjs` in a child process against a real
 * server (port 0, a pool `local` with one real node), pointed there by BATCHITE_ENDPOINT only — the account is the
 * client's default, the well-known one. The README must show the file verbatim.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { childProcessNodeLauncher } from '@batchite/cli';
import { startServer, type RunningServer } from '@batchite/server';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = join(root, 'examples', 'client.mjs');

function runExample(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [example], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples/client.mjs (the README client example)', () => {
  let server: RunningServer;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'batchite-example-'));
    server = await startServer({
      port: 0,
      dataDir,
      logLevel: false,
      localPool: { nodes: 1, slots: 2 },
      nodeLauncher: childProcessNodeLauncher({ stdio: 'ignore' }),
    });
  });

  after(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is shown verbatim in the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = readFileSync(example, 'utf8');
    assert.ok(readme.includes('```js\n' + code + '```\n'), 'README.md shows examples/client.mjs verbatim');
  });

  it(
    'runs on this Node with only BATCHITE_ENDPOINT set and prints how each task ended',
    { timeout: 180_000 },
    async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, BATCHITE_ENDPOINT: server.url };
      delete env.BATCHITE_ACCOUNT_NAME;
      delete env.BATCHITE_ACCOUNT_KEY;
      const result = await runExample(env);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      const progress = lines.filter((line) => line.startsWith('waiting '));
      assert.ok(progress.length > 0, result.stdout);
      for (const line of progress) assert.match(line, /^waiting \d+, running \d+, completed \d+$/);
      assert.equal(progress.at(-1), 'waiting 0, running 0, completed 3');
      assert.deepEqual(lines.slice(progress.length), [
        '2 succeeded, 1 failed',
        't1: exit code 0, stdout.txt: hello',
        't2: exit code 0, stdout.txt: 6 times 7 is 42',
        't3: exit code 3, stderr.txt: no input.csv',
      ]);
    },
  );
});
