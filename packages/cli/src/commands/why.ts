/** `batchite why JOB [TASK]`: why a task is not running, or the waiting tasks of a job by reason. */
import type { Command } from 'commander';
import { clientAction } from '../command-context.js';
import { printJson, writeOut } from '../output.js';
import { renderJobWhy, renderTaskWhy } from '../why-format.js';

export function registerWhy(program: Command): void {
  program
    .command('why')
    .argument('<job>')
    .argument('[task]')
    .description("Explain why a task isn't running (or, for a job, why its tasks wait).")
    .option('--json', 'print the server’s explanation as JSON')
    .action(
      clientAction<{ json?: boolean }>(async (ctx) => {
        const [jobId, taskId] = ctx.args;
        const { client } = await ctx.connection();
        if (taskId === undefined) {
          const explanation = await client.why(jobId!, { signal: ctx.signal });
          if (ctx.opts.json === true) return printJson(explanation);
          writeOut(renderJobWhy(explanation, ctx.out).join('\n'));
          return;
        }
        const explanation = await client.why(jobId!, taskId, { signal: ctx.signal });
        if (ctx.opts.json === true) return printJson(explanation);
        writeOut(renderTaskWhy(explanation, ctx.out).join('\n'));
      }),
    );
}
