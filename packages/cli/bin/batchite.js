#!/usr/bin/env node
// The `batchite` command as npm links it. Plain JavaScript and committed, so `npm ci` links it on a fresh clone
// and `npx batchite …` works before any build: in a source checkout whose CLI is not compiled yet, it compiles the
// workspace once (`tsc -b`, what `npm run build` does), then runs the compiled CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/src/bin.js', import.meta.url);

if (!existsSync(compiled)) {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  if (!existsSync(`${root}tsconfig.build.json`)) {
    process.stderr.write(
      `batchite: ${fileURLToPath(compiled)} is missing and this is no source checkout to build\n`,
    );
    process.exit(1);
  }
  process.stderr.write('batchite: first run in this checkout: compiling it once (npm run build)…\n');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // The compiler's output goes to stderr: stdout stays the command's own (`--json` output stays parseable).
  const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  if (build.status !== 0 || !existsSync(compiled)) {
    process.stderr.write('batchite: the build failed (above); fix it or run `npm run build`\n');
    process.exit(1);
  }
}

await import(compiled.href);
