/**
 * Output for people and for scripts: a human table by default, `--json` / `-o json` (the API body, a contract),
 * `-o name` (ids only, one a line, for xargs). Data goes to stdout; progress and chatter go to stderr.
 */
import { Option, type Command } from 'commander';
import { UsageError } from './cli-errors.js';
import { visibleLength, type Style } from './style.js';

export type OutputFormat = 'table' | 'json' | 'name';

export interface OutputFlags {
  json?: boolean;
  output?: OutputFormat;
}

/** Adds `--json` and `-o, --output` to a command that prints resources. */
export function withOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print JSON (same as -o json)')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'json', 'name'])
        .default('table'),
    );
}

export function outputFormat(flags: OutputFlags): OutputFormat {
  if (flags.json === true) {
    if (flags.output !== undefined && flags.output !== 'table' && flags.output !== 'json')
      throw new UsageError(`--json and -o ${flags.output} contradict each other`);
    return 'json';
  }
  return flags.output ?? 'table';
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Progress, hints and other chatter: stderr, so stdout stays data. */
export function writeErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  writeOut(JSON.stringify(value, null, 2));
}

/** A table with a bold header; columns padded to their widest cell (colour codes not counted). */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  style: Style,
): string {
  const widths = headers.map((header, i) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join('  ')
      .trimEnd();
  return [style.bold(line(headers)), ...rows.map(line)].join('\n');
}

/** `key: value` lines, aligned; undefined and empty values are left out. */
export function renderFields(fields: readonly (readonly [string, string | number | undefined])[]): string {
  const present = fields.filter(
    (field): field is readonly [string, string | number] => field[1] !== undefined && field[1] !== '',
  );
  const width = Math.max(0, ...present.map(([key]) => key.length));
  return present.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${value}`).join('\n');
}

/** `35s ago`, `4m ago`, `2h ago`, `3d ago`; empty when the time is unknown. */
export function ago(iso: string | undefined, nowMs = Date.now()): string {
  if (iso === undefined) return '';
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  return `${formatDuration(seconds)} ago`;
}

/** A short duration: `45s`, `3m`, `2h5m`, `3d`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 === 0 || s >= 600 ? '' : `${s % 60}s`}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `2026-01-05 12:00:03` in local time, for tables. */
export function shortTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** How long something ran: from `start` to `end`, or to now while it has not ended; empty without a start. */
export function elapsed(start: string | undefined, end: string | undefined, nowMs = Date.now()): string {
  if (start === undefined) return '';
  const ms = (end === undefined ? nowMs : Date.parse(end)) - Date.parse(start);
  return Number.isFinite(ms) ? formatDuration(Math.max(0, ms) / 1000) : '';
}
