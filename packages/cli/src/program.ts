import { Command } from 'commander';
import { registerAgent } from './commands/agent.js';
import { registerServe } from './commands/serve.js';

/** The `batchite` command tree. Each sub-command lives in its own file under `commands/`. */
export function buildProgram(): Command {
  const program = new Command('batchite')
    .description('Batchite: an Azure-Batch-compatible batch service and its client tools.')
    .showHelpAfterError();
  registerServe(program);
  registerAgent(program);
  return program;
}
