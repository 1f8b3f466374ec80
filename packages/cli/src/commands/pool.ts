/** `batchite pool list|show|create|delete|resize`. */
import type { Command } from 'commander';
import type { CloudPool, JoinTokenResponse, PoolAddParameter } from '@batchite/protocol';
import { intArg, readJsonObject } from '../args.js';
import { clientAction } from '../command-context.js';
import { shortTime, type OutputFlags } from '../output.js';
import { collect, printList, printOne, printWrite, type ResourceView } from '../resources.js';
import { stateColor } from '../style.js';
import { withOutputOptions } from '../output.js';

const nodesText = (pool: CloudPool): string =>
  `${pool.currentDedicatedNodes ?? 0}/${pool.targetDedicatedNodes ?? 0}`;

export const POOL_VIEW: ResourceView<CloudPool> = {
  id: (pool) => pool.id ?? '',
  headers: ['ID', 'STATE', 'ALLOCATION', 'NODES', 'SLOTS/NODE', 'VM SIZE'],
  row: (pool, style) => [
    pool.id ?? '',
    stateColor(style, pool.state ?? ''),
    stateColor(style, pool.allocationState ?? ''),
    nodesText(pool),
    String(pool.taskSlotsPerNode ?? 1),
    pool.vmSize ?? '',
  ],
  fields: (pool, style) => [
    ['id', pool.id],
    ['state', stateColor(style, pool.state ?? '')],
    ['allocation', stateColor(style, pool.allocationState ?? '')],
    ['nodes (current/target)', nodesText(pool)],
    ['task slots per node', pool.taskSlotsPerNode ?? 1],
    ['vm size', pool.vmSize],
    ['created', shortTime(pool.creationTime)],
    [
      'resize errors',
      pool.resizeErrors?.length
        ? pool.resizeErrors.map((e) => `${e.code}: ${e.message}`).join('; ')
        : undefined,
    ],
  ],
};

interface CreateFlags extends OutputFlags {
  vmSize?: string;
  nodes?: number;
  slots?: number;
  file?: string;
}

async function poolBody(id: string, flags: CreateFlags): Promise<PoolAddParameter> {
  const base = flags.file === undefined ? {} : await readJsonObject(flags.file);
  const pool = { vmSize: 'local', ...base, id } as PoolAddParameter;
  if (flags.vmSize !== undefined) pool.vmSize = flags.vmSize;
  if (flags.nodes !== undefined) pool.targetDedicatedNodes = flags.nodes;
  if (flags.slots !== undefined) pool.taskSlotsPerNode = flags.slots;
  return pool;
}

export function registerPool(program: Command): void {
  const pool = program.command('pool').description('Pools: the nodes that run tasks.');

  withOutputOptions(pool.command('list').description('List pools.'))
    .option('--filter <odata>', 'OData $filter, e.g. "state eq \'active\'"')
    .action(
      clientAction<OutputFlags & { filter?: string }>(async (ctx) => {
        const { client } = await ctx.connection();
        const filter = ctx.opts.filter;
        const pools = await collect(client.listPools(filter === undefined ? {} : { filter }));
        printList(ctx, pools, POOL_VIEW, 'no pools');
      }),
    );

  withOutputOptions(pool.command('show').argument('<pool>').description('Show a pool.')).action(
    clientAction<OutputFlags>(async (ctx) => {
      const { client } = await ctx.connection();
      printOne(ctx, await client.getPool(ctx.args[0]!), POOL_VIEW);
    }),
  );

  withOutputOptions(
    pool
      .command('create')
      .argument('<pool>')
      .description('Create a pool; with Batchite, its nodes are local agents.')
      .option('--vm-size <size>', 'vmSize (default: local)')
      .option('--nodes <n>', 'target dedicated nodes', intArg(0))
      .option('--slots <n>', 'task slots per node', intArg(1))
      .option('--file <file>', 'a PoolAddParameter JSON file; the flags override its fields'),
  ).action(
    clientAction<CreateFlags>(async (ctx) => {
      const body = await poolBody(ctx.args[0]!, ctx.opts);
      const { client } = await ctx.connection();
      const result = await client.createPool(body);
      printWrite(ctx, body.id, `Created pool ${body.id}.`, result);
    }),
  );

  withOutputOptions(
    pool.command('delete').argument('<pool>').description('Delete a pool and its nodes.'),
  ).action(
    clientAction<OutputFlags>(async (ctx) => {
      const id = ctx.args[0]!;
      const { client } = await ctx.connection();
      const result = await client.deletePool(id);
      printWrite(ctx, id, `Deleting pool ${id}.`, result);
    }),
  );

  pool
    .command('join-token')
    .argument('<pool>')
    .description("Print the pool's join token: the credential `batchite agent --join-token-file` reads.")
    .action(
      clientAction(async (ctx) => {
        const { client } = await ctx.connection();
        const path = `/.batchite/pools/${encodeURIComponent(ctx.args[0]!)}/join-token`;
        const answer = await client.request<JoinTokenResponse>({ method: 'GET', path });
        process.stdout.write(`${answer.body?.joinToken ?? ''}\n`);
      }),
    );

  withOutputOptions(
    pool
      .command('resize')
      .argument('<pool>')
      .description('Change the target number of nodes.')
      .requiredOption('--nodes <n>', 'target dedicated nodes', intArg(0)),
  ).action(
    clientAction<OutputFlags & { nodes: number }>(async (ctx) => {
      const id = ctx.args[0]!;
      const { client } = await ctx.connection();
      const result = await client.resizePool(id, { targetDedicatedNodes: ctx.opts.nodes });
      printWrite(ctx, id, `Resizing pool ${id} to ${ctx.opts.nodes} node(s).`, result);
    }),
  );
}
