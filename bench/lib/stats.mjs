/** Small statistics and timing helpers. */
import { spawn } from 'node:child_process';

/** The p-th percentile (0..100) of `values`, nearest-rank. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The benchmarks' trivial task: `/bin/sh -c "exit 0"`, as Batchite's agent runs it (argv, no outer shell). */
export const TRIVIAL_ARGV = Object.freeze(['/bin/sh', '-c', 'exit 0']);
export const TRIVIAL_COMMAND_LINE = '/bin/sh -c "exit 0"';

/** Spawns the trivial task from Node and resolves with its exit code (what the peers' workers do). */
export function runTrivial() {
  return new Promise((resolve, reject) => {
    const child = spawn(TRIVIAL_ARGV[0], TRIVIAL_ARGV.slice(1), { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

/** Runs a shell command line to its end; rejects on a non-zero exit. */
export function sh(commandLine) {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', commandLine], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${commandLine}: exit ${code}`)),
    );
  });
}
