/**
 * Prints a benchmark's figures and writes its row of the results table in docs/benchmarks.md (between the
 * `results:start` / `results:end` markers; a row is replaced by the next run of the same key).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

export const DOC = join(ROOT, 'docs/benchmarks.md');
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
const HEADER = [
  '| Key | Benchmark | Date | Machine | Command | Batchite | Baseline (same run) | Ratio | Target | Met |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];

/** Command-line flags shared by every benchmark: `--full` selects the sizes of issue 8. */
export function benchArgs(argv = process.argv.slice(2)) {
  return { full: argv.includes('--full') };
}

/** The small or the full value of a size knob. */
export function sized(args, small, full) {
  return args.full ? full : small;
}

/** "2 cores, load 1.2" — the machine as this run saw it (shared machines are noisy; the load says how much). */
export function machine() {
  return `${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}`;
}

export function fmt(value, digits = 0) {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ratio(a, b, digits = 2) {
  return b > 0 ? `${fmt(a / b, digits)}×` : 'n/a';
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Rows of the results table, keyed by their first cell. */
function parseRows(block) {
  const rows = new Map();
  for (const line of block.split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| Key ') || line.startsWith('| ---')) continue;
    const key = line.slice(2, line.indexOf(' |', 2)).trim();
    rows.set(key, line);
  }
  return rows;
}

/** Formats the document the way `prettier --check` wants it (tables aligned), when prettier is installed. */
async function pretty(text) {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(DOC)) ?? {};
    return await prettier.format(text, { ...config, filepath: DOC });
  } catch {
    return text;
  }
}

/**
 * Prints `lines` and writes the row.
 * @param {{ key: string, name: string, command: string, figure: string, baseline: string, ratio: string,
 *   target: string, met: boolean | string, lines?: string[], machine?: string }} row
 */
export async function record(row) {
  for (const line of row.lines ?? []) console.log(`  ${line}`);
  const met = typeof row.met === 'string' ? row.met : row.met ? 'yes' : '**no**';
  console.log(
    `  => ${row.name}: ${row.figure} | baseline ${row.baseline} | ratio ${row.ratio} | target ${row.target} | met: ${met}`,
  );
  const date = new Date().toISOString().slice(0, 10);
  const cells = [row.key, row.name, date, row.machine ?? machine(), `\`${row.command}\``];
  cells.push(row.figure, row.baseline, row.ratio, row.target, met);
  const line = `| ${cells.map(cell).join(' | ')} |`;
  const doc = await readFile(DOC, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC} has no ${START} … ${END} block`);
  const rows = parseRows(doc.slice(start + START.length, end));
  rows.set(row.key, line);
  const sorted = [...rows.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const table = [...HEADER, ...sorted.map(([, text]) => text)].join('\n');
  const next = `${doc.slice(0, start + START.length)}\n\n${table}\n\n${doc.slice(end)}`;
  await writeFile(DOC, await pretty(next));
}
