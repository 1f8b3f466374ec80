/**
 * The wrapper every client command runs in: merged flags, styles for stdout and stderr, a lazy connection, Ctrl-C
 * handling (exit 130 after the command's own clean-up), and readable errors with the documented exit codes.
 */
import type { Command } from 'commander';
import { EXIT, errorReport, exitCodeOf } from './cli-errors.js';
import { connect, resolveTarget, type Connection, type GlobalFlags } from './connection.js';
import { writeErr } from './output.js';
import { streamStyle, type Style } from './style.js';

export interface CommandContext<O> {
  /** The command's flags merged with the global ones. */
  readonly opts: O & GlobalFlags;
  /** Positional arguments, in order (a variadic argument contributes its items). */
  readonly args: readonly string[];
  /** Style of stdout (colour only when stdout is a TTY). */
  readonly out: Style;
  /** Style of stderr. */
  readonly err: Style;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  /** The connection, made on first use (so a command can print something before any network work). */
  connection(): Promise<Connection>;
  /** Runs `cleanup` if the command is interrupted or fails (stop a progress bar, say what keeps running). */
  onInterrupt(cleanup: () => void): void;
}

/** An exit code, or nothing for 0. */
export type Handler<O> = (ctx: CommandContext<O>) => Promise<number | void>;

export function clientAction<O>(handler: Handler<O>): (...args: unknown[]) => Promise<void> {
  return async (...commanderArgs: unknown[]) => {
    const command = commanderArgs[commanderArgs.length - 1] as Command;
    const opts = command.optsWithGlobals<O & GlobalFlags>();
    const controller = new AbortController();
    const cleanups: (() => void)[] = [];
    let connection: Connection | undefined;
    const runCleanups = () => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    };
    const onSigint = () => {
      controller.abort(new Error('interrupted'));
      runCleanups();
      writeErr('Interrupted.');
      process.exit(EXIT.interrupted);
    };
    process.once('SIGINT', onSigint);
    const err = streamStyle(process.stderr, opts.color);
    const ctx: CommandContext<O> = {
      opts,
      args: command.args,
      out: streamStyle(process.stdout, opts.color),
      err,
      signal: controller.signal,
      connection: () => Promise.resolve().then(() => (connection ??= connect(opts))),
      onInterrupt: (cleanup) => cleanups.push(cleanup),
    };
    try {
      process.exitCode = (await handler(ctx)) ?? EXIT.ok;
    } catch (error) {
      runCleanups();
      const endpoint = connection?.endpoint ?? resolveTarget(opts).endpoint;
      for (const line of errorReport(error, { style: err, endpoint, debug: opts.debug === true }))
        writeErr(line);
      process.exitCode = exitCodeOf(error);
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    // Idle keep-alive sockets of fetch would hold the process for a few hundred ms more: flush and leave now.
    await flush(process.stdout);
    await flush(process.stderr);
    process.exit();
  };
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableLength === 0) resolve();
    else stream.write('', () => resolve());
  });
}
