#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EXIT, errorReport, exitCodeOf } from './cli-errors.js';
import { buildProgram } from './program.js';
import { streamStyle } from './style.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed the message (or the help) already; help and --version are not errors.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    // Client commands report their own errors; this catches `serve` and `agent` failing to start.
    for (const line of errorReport(error, { style: streamStyle(process.stderr), unexpectedIsBug: false }))
      process.stderr.write(`${line}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
