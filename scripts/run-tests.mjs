#!/usr/bin/env node
// Runs compiled test files with Node's built-in test runner (Node 20 has no glob support in `--test`, so the
// files are collected here).
//
// Usage: node scripts/run-tests.mjs [--unit | --integration] [substring-filter ...]
//   --unit         the packages' unit tests: no server, agent or database (seconds)
//   --integration  everything else: real servers, agents, PostgreSQL, Chromium, network namespaces
//   (neither)      everything
//
// Suites that need something outside node_modules (Chromium, PostgreSQL) are left out with one line saying what
// is missing and how to get it; under CI=true they are required, and a missing one fails the run at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

/**
 * Package tests that start a server, agents, child processes or a database: integration, not unit. A new test
 * file in a package is a unit test unless it is named here.
 */
const PACKAGE_INTEGRATION = [
  'agent/dist/test/end-to-end.test.js',
  'cli/dist/test/cli.test.js',
  'cli/dist/test/run.test.js',
  'cli/dist/test/why.test.js',
  'client/dist/test/extensions-real-server.test.js',
  'client/dist/test/real-server.test.js',
  'server/dist/test/task-execution.test.js',
  'server/dist/test/ui-routes.test.js',
  'server/dist/test/complete-and-claim.test.js',
  'agent/dist/test/agent.test.js',
  '.pg.test.js',
];

const PG_URL = new URL(process.env.BATCHITE_TEST_PG_URL ?? 'postgres://127.0.0.1:5432');

/** What some suites need besides node_modules: how to tell it is there, and how to get it. */
const REQUIREMENTS = [
  {
    name: 'Chromium',
    needs: (file) => file.includes(join('ui', 'dashboard.test.js')),
    missing: async () => (existsSync('/usr/bin/chromium') ? undefined : '/usr/bin/chromium is missing'),
    howTo: 'bash scripts/ensure-chromium.sh (as root: apt-get install chromium)',
  },
  {
    name: 'Slurm',
    needs: (file) => file.includes(join('dist', 'slurm', '')),
    missing: async () => {
      const found = spawnSync('sh', ['-c', 'command -v slurmctld && command -v slurmd && command -v sbatch']);
      if (found.status !== 0) return 'slurmctld, slurmd or sbatch is not installed';
      return process.getuid?.() === 0 ? undefined : 'slurmd needs root to run jobs';
    },
    howTo: 'bash scripts/ensure-slurm.sh (as root: apt-get install slurm-wlm munge)',
  },
  {
    name: 'PostgreSQL',
    needs: (file) =>
      file.endsWith('.pg.test.js') || file.includes('compat-pg') || file.includes('multi-host'),
    missing: async () =>
      (await reachable(PG_URL.hostname, Number(PG_URL.port || 5432)))
        ? undefined
        : `nothing answers on ${PG_URL.hostname}:${PG_URL.port || 5432}`,
    howTo:
      'bash scripts/ensure-test-services.sh (starts an installed PostgreSQL; apt-get install postgresql)',
  },
];

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 1000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const kind = args.includes('--unit') ? 'unit' : args.includes('--integration') ? 'integration' : 'all';
const filters = args.filter((arg) => !arg.startsWith('--'));
const isUnit = (file) =>
  file.startsWith('packages') && !PACKAGE_INTEGRATION.some((part) => file.includes(part));

let files = [...readdirSync('packages').map((p) => join('packages', p, 'dist', 'test')), join('test', 'dist')]
  .flatMap((root) => collect(root, []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => kind === 'all' || (kind === 'unit') === isUnit(f))
  .sort();
if (files.length === 0) {
  console.error('no test files found (did the build run?)');
  process.exit(1);
}

const ci = process.env.CI === 'true' || process.env.CI === '1';
for (const requirement of REQUIREMENTS) {
  const needing = files.filter(requirement.needs);
  if (needing.length === 0) continue;
  const missing = await requirement.missing();
  if (missing === undefined) continue;
  if (ci) {
    console.error(
      `# CI=true: ${requirement.name} is required by ${needing.length} test file(s) but ${missing}.`,
    );
    console.error(`# Get it: ${requirement.howTo}`);
    process.exit(1);
  }
  console.log(
    `# skipping ${needing.length} test file(s) that need ${requirement.name}: ${missing}. Get it: ${requirement.howTo}`,
  );
  files = files.filter((file) => !requirement.needs(file));
}

if (files.length === 0) {
  // `node --test` with no file would search the whole tree: say so and stop instead.
  console.log('# no test file left to run');
  process.exit(0);
}

const concurrency = process.env.BATCHITE_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
