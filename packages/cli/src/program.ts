import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP } from './cli-errors.js';
import { registerAgent } from './commands/agent.js';
import { registerFaults } from './commands/faults.js';
import { registerJob } from './commands/job.js';
import { registerNode } from './commands/node.js';
import { registerPool } from './commands/pool.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerTask } from './commands/task.js';
import { registerWhy } from './commands/why.js';
import { DEFAULT_ENDPOINT } from './connection.js';

/** This package's version (dist/src/program.js → package.json). */
function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/**
 * The `batchite` command tree. Each sub-command lives in its own file under `commands/`. Usage errors throw a
 * `CommanderError` (exitOverride) so bin.ts can exit with code 2; the connection flags are global, so they may
 * come before or after the sub-command.
 */
export function buildProgram(): Command {
  const program = new Command('batchite')
    .description('Batchite: an Azure-Batch-compatible batch service and its client tools.')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError()
    .addOption(
      new Option(
        '--endpoint <url>',
        `account URL (default: 127.0.0.1:$BATCHITE_PORT, else the server started here (.batchite/server.json), else ${DEFAULT_ENDPOINT})`,
      ).env('BATCHITE_ENDPOINT'),
    )
    .addOption(
      new Option(
        '--account-name <name>',
        'account name (default: the server started here, else the well-known dev account)',
      ).env('BATCHITE_ACCOUNT_NAME'),
    )
    .addOption(
      new Option('--account-key <key>', 'base64 account key (default: the well-known dev key)').env(
        'BATCHITE_ACCOUNT_KEY',
      ),
    )
    .option('--no-color', 'no colours (also NO_COLOR=1; colours are only used on a terminal)')
    .option('--debug', 'on errors, also print the stack and the retry history')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  registerServe(program);
  registerAgent(program);
  registerRun(program);
  registerWhy(program);
  registerPool(program);
  registerNode(program);
  registerJob(program);
  registerTask(program);
  registerFaults(program);
  return program;
}
