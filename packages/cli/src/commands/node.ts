/** `batchite node list|show`: the nodes of a pool. */
import type { Command } from 'commander';
import type { ComputeNode } from '@batchite/protocol';
import { clientAction } from '../command-context.js';
import { shortTime, withOutputOptions, type OutputFlags } from '../output.js';
import { collect, printList, printOne, type ResourceView } from '../resources.js';
import { stateColor } from '../style.js';

export const NODE_VIEW: ResourceView<ComputeNode> = {
  id: (node) => node.id ?? '',
  headers: ['ID', 'STATE', 'SCHEDULING', 'RUNNING', 'SLOTS USED', 'TASKS RUN', 'IP'],
  row: (node, style) => [
    node.id ?? '',
    stateColor(style, node.state ?? ''),
    node.schedulingState ?? '',
    String(node.runningTasksCount ?? 0),
    String(node.runningTaskSlotsCount ?? 0),
    String(node.totalTasksRun ?? 0),
    node.ipAddress ?? '',
  ],
  fields: (node, style) => [
    ['id', node.id],
    ['state', stateColor(style, node.state ?? '')],
    ['since', shortTime(node.stateTransitionTime)],
    ['scheduling', node.schedulingState],
    ['running tasks', node.runningTasksCount ?? 0],
    ['slots in use', node.runningTaskSlotsCount ?? 0],
    ['tasks run', node.totalTasksRun ?? 0],
    ['tasks succeeded', node.totalTasksSucceeded ?? 0],
    ['ip address', node.ipAddress],
    ['vm size', node.vmSize],
    ['agent', node.nodeAgentInfo?.version],
    [
      'recent tasks',
      node.recentTasks?.length
        ? node.recentTasks.map((task) => `${task.jobId ?? '?'}/${task.taskId ?? '?'}`).join(', ')
        : undefined,
    ],
    [
      'errors',
      node.errors?.length
        ? node.errors.map((error) => `${error.code}: ${error.message}`).join('; ')
        : undefined,
    ],
  ],
};

export function registerNode(program: Command): void {
  const node = program.command('node').description('Nodes of a pool (agents).');

  withOutputOptions(node.command('list').argument('<pool>').description('List the nodes of a pool.')).action(
    clientAction<OutputFlags>(async (ctx) => {
      const { client } = await ctx.connection();
      const nodes = await collect(client.listNodes(ctx.args[0]!));
      printList(ctx, nodes, NODE_VIEW, `no nodes in pool ${ctx.args[0]!}`);
    }),
  );

  withOutputOptions(
    node.command('show').argument('<pool>').argument('<node>').description('Show a node.'),
  ).action(
    clientAction<OutputFlags>(async (ctx) => {
      const { client } = await ctx.connection();
      printOne(ctx, await client.getNode(ctx.args[0]!, ctx.args[1]!), NODE_VIEW);
    }),
  );
}
