/**
 * `npm run bench`: every benchmark of issue 8, one process each, in a fixed order; `--full` passes the issue's
 * sizes (tens of minutes). Each benchmark prints its figures with the baseline measured in the same run and
 * writes its rows of docs/benchmarks.md. Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432
 * (BENCH_REDIS_HOST/PORT, BENCH_PG_URL to point elsewhere).
 *
 *   node bench/run-all.mjs [--full] [--only throughput,latency,…]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DOC } from './lib/report.mjs';
import { BIN } from './lib/server.mjs';
import { existsSync } from 'node:fs';

const BENCHMARKS = [
  'throughput',
  'latency',
  'ingest',
  'api-load',
  'outage',
  'rate-limit',
  'memory',
  'event-loop',
  'storage-transfer',
];

const argv = process.argv.slice(2);
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex < 0 ? BENCHMARKS : argv[onlyIndex + 1].split(',');
const passOn = argv.filter((arg) => arg === '--full');

if (!existsSync(BIN)) {
  console.error(`${BIN} is missing: build first (npm run build).`);
  process.exit(1);
}

const failed = [];
const started = Date.now();
for (const name of BENCHMARKS.filter((b) => only.includes(b))) {
  const script = fileURLToPath(new URL(`./${name}.mjs`, import.meta.url));
  const t0 = Date.now();
  const result = spawnSync(process.execPath, [script, ...passOn], { stdio: 'inherit' });
  console.log(`  (${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  if (result.status !== 0) failed.push(name);
}
console.log(`bench: ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${DOC}`);
if (failed.length > 0) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
