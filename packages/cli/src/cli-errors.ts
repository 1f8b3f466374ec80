/**
 * Exit codes and readable errors. An error is printed as one line with the Batch code and what it means, one
 * line with what to do, and the request id — never a stack trace (unless `--debug`). Scripts branch on the exit
 * code, never on the text.
 */
import { isBatchError, type BatchError } from '@batchite/client';
import type { Style } from './style.js';

/** Documented exit codes (docs/cli.md); also printed by `batchite --help`. */
export const EXIT = Object.freeze({
  ok: 0,
  /** The operation failed, or for `run`, at least one task failed. */
  failed: 1,
  usage: 2,
  /** The server was unreachable after retries. */
  unreachable: 3,
  auth: 4,
  notFound: 5,
  /** A conflict or invalid state (Batch 409, `…Exists`, a failed precondition). */
  conflict: 6,
  interrupted: 130,
});

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    the operation failed; for run, at least one task failed
  2    usage error (bad flags, arguments or input file)
  3    the server was unreachable after retries
  4    authentication failed (account name or key)
  5    not found
  6    conflict or invalid state (Batch 409)
  130  interrupted (Ctrl-C)`;

/** A mistake in how the command was called or in its input; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A failure the command itself detected, with its own exit code and advice. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof CliError) return error.exitCode;
  if (!isBatchError(error)) return EXIT.failed;
  switch (error.kind) {
    case 'network':
      return EXIT.unreachable;
    case 'auth':
      return EXIT.auth;
    case 'notFound':
      return EXIT.notFound;
    case 'invalidOperation':
    case 'alreadyExists':
    case 'conditionNotMet':
      return EXIT.conflict;
    default:
      return EXIT.failed;
  }
}

const NOT_FOUND_HINTS: Readonly<Record<string, string>> = Object.freeze({
  JobNotFound: 'check the job id; `batchite job list` shows the jobs',
  TaskNotFound: 'check the ids; `batchite task list <job>` shows the tasks of a job',
  PoolNotFound: 'check the pool id; `batchite pool list` shows the pools',
  NodeNotFound: 'check the node id; `batchite node list <pool>` shows the nodes of a pool',
  FileNotFound: 'the task has not written that file (yet); `batchite task show <job> <task>` shows its state',
  ResourceNotFound: 'check the id; `batchite faults list` shows the fault rules',
});

function hintFor(error: BatchError, endpoint: string | undefined): string {
  switch (error.kind) {
    case 'network':
      return `is the server running${endpoint === undefined ? '' : ` at ${endpoint}`}? Start it with \`npm start\` (or \`batchite serve\`), or point --endpoint / BATCHITE_ENDPOINT at it`;
    case 'auth':
      return 'the account name and key must be the server’s: --account-name / --account-key or BATCHITE_ACCOUNT_NAME / BATCHITE_ACCOUNT_KEY (`batchite serve` prints them)';
    case 'notFound':
      return NOT_FOUND_HINTS[error.code ?? ''] ?? 'check the id';
    case 'alreadyExists':
      return 'choose another id, or delete the existing resource first';
    case 'invalidOperation':
      return 'look at its current state (`batchite <pool|job|task> show …`) and wait for, or cause, the state the operation needs';
    case 'conditionNotMet':
      return 'the resource changed since it was read; read it again and retry';
    case 'throttled':
      return 'the server is throttling requests; wait a little and try again, or send fewer requests at once';
    case 'server':
      return 'a failure inside the server; try again, and give the request id to whoever runs the server';
    case 'badRequest':
      return 'fix the request (see `batchite <command> --help`)';
    case 'timeout':
      return 'the wait ran out of time; wait longer, or look at what is still running (`batchite job show …`)';
  }
}

const MAX_VALUE_CHARS = 120;

const shorten = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** What the code means: the client's explanation of a state error, else the server's message. */
function meaning(error: BatchError): string {
  const prefix = error.code === undefined ? '' : `${error.code}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  // Values may be long (an authentication failure carries the whole string-to-sign): first line, shortened.
  const details = error.values
    .filter((item) => item.key !== 'RequestId' && item.value !== '')
    .map((item) => `${item.key}: ${shorten(item.value.split('\n')[0] ?? '', MAX_VALUE_CHARS)}`);
  const base = error.explanation ?? message;
  return details.length === 0 ? base : `${base} (${details.join('; ')})`;
}

function batchErrorLines(error: BatchError, style: Style, endpoint: string | undefined): string[] {
  const what =
    error.kind === 'network'
      ? `cannot reach ${endpoint ?? 'the server'}: ${error.message}`
      : `${style.bold(error.code ?? `HTTP ${error.statusCode ?? '?'}`)}: ${meaning(error)}`;
  const lines = [`${style.red('error:')} ${what}`, `  what to do: ${hintFor(error, endpoint)}`];
  const attempts = error.attempts > 1 ? ` (${error.attempts} attempts)` : '';
  if (error.requestId !== undefined) lines.push(`  request id: ${error.requestId}${attempts}`);
  else if (error.clientRequestId !== undefined)
    lines.push(`  client request id: ${error.clientRequestId}${attempts}`);
  return lines;
}

export interface ErrorReportOptions {
  style: Style;
  endpoint?: string | undefined;
  /** Adds the stack and the retry history. */
  debug?: boolean;
  /** Whether an error that is neither a Batch nor a usage error is reported as a bug. @defaultValue true */
  unexpectedIsBug?: boolean;
}

/** The lines to print for `error` (to stderr). */
export function errorReport(error: unknown, options: ErrorReportOptions): string[] {
  const { style } = options;
  let lines: string[];
  if (isBatchError(error)) lines = batchErrorLines(error, style, options.endpoint);
  else if (error instanceof UsageError || error instanceof CliError) {
    lines = [`${style.red('error:')} ${error.message}`];
    if (error.hint !== undefined) lines.push(`  what to do: ${error.hint}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    lines =
      options.unexpectedIsBug === false
        ? [`${style.red('error:')} ${message}`]
        : [
            `${style.red('error:')} unexpected failure: ${message}`,
            '  what to do: this is a bug in batchite; rerun with --debug to see where it happened, and report it',
          ];
  }
  if (options.debug === true) {
    if (isBatchError(error) && error.history.length > 0)
      lines.push(`  retry history: ${JSON.stringify(error.history)}`);
    if (error instanceof Error && error.stack !== undefined) lines.push(style.dim(error.stack));
  }
  return lines;
}
