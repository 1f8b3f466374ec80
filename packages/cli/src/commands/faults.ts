/** `batchite faults add|list|clear`: the server's live fault rules (docs/faults.md). */
import type { Command } from 'commander';
import type { BatchClient } from '@batchite/client';
import { parseJson, readInput } from '../args.js';
import type { FaultRuleStatus, FaultSnapshot } from '../batchite-types.js';
import { UsageError } from '../cli-errors.js';
import { clientAction } from '../command-context.js';
import { printJson, renderTable, writeOut } from '../output.js';

/** The fault-rule endpoints (docs/faults.md), called through the client like every other call. */
const FAULTS_PATH = '/.batchite/faults';

async function listFaults(client: BatchClient): Promise<FaultSnapshot | undefined> {
  return (await client.request<FaultSnapshot>({ method: 'GET', path: FAULTS_PATH })).body;
}

async function addFault(client: BatchClient, rule: unknown): Promise<Record<string, unknown> | undefined> {
  return (await client.request<Record<string, unknown>>({ method: 'POST', path: FAULTS_PATH, body: rule }))
    .body;
}

async function replaceFaults(client: BatchClient, set: unknown): Promise<FaultSnapshot | undefined> {
  return (await client.request<FaultSnapshot>({ method: 'PUT', path: FAULTS_PATH, body: set })).body;
}

async function clearFaults(client: BatchClient, ruleId: string | undefined): Promise<void> {
  const path = ruleId === undefined ? FAULTS_PATH : `${FAULTS_PATH}/${encodeURIComponent(ruleId)}`;
  await client.request({ method: 'DELETE', path });
}

/** Inline JSON when it looks like JSON, else a file (or `-` for stdin). */
async function readRules(source: string): Promise<unknown> {
  const trimmed = source.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(trimmed, 'the rule');
  return parseJson(await readInput(source), source);
}

/** The rules to add: one rule, an array of rules, or a rule set `{ seed?, rules }`. */
function rulesOf(value: unknown): { rules: unknown[]; seed?: number } {
  if (Array.isArray(value)) return { rules: value };
  if (typeof value !== 'object' || value === null) throw new UsageError('a fault rule must be a JSON object');
  const set = value as { rules?: unknown; seed?: unknown };
  if (Array.isArray(set.rules))
    return { rules: set.rules, ...(typeof set.seed === 'number' ? { seed: set.seed } : {}) };
  return { rules: [value] };
}

function describeMatch(rule: FaultRuleStatus): string {
  const match = rule.match ?? {};
  const parts = Object.entries(match).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? '*' : parts.join(' ');
}

function describeAction(rule: FaultRuleStatus): string {
  const { type, ...rest } = rule.action;
  const args = Object.entries(rest).map(([key, value]) => `${key}=${String(value)}`);
  return args.length === 0 ? type : `${type} ${args.join(' ')}`;
}

export function registerFaults(program: Command): void {
  const faults = program.command('faults').description('Fault rules the server injects (docs/faults.md).');

  faults
    .command('add')
    .argument(
      '<rules>',
      'a JSON file (or - for stdin) or inline JSON: a rule, an array of rules, or { seed, rules }',
    )
    .description('Add fault rules (a rule with an existing id replaces it).')
    .option('--replace', 'replace the whole rule set instead of adding')
    .option('--json', 'print the added rules as JSON')
    .action(
      clientAction<{ replace?: boolean; json?: boolean }>(async (ctx) => {
        const value = await readRules(ctx.args[0]!);
        const { rules, seed } = rulesOf(value);
        const { client } = await ctx.connection();
        if (ctx.opts.replace === true) {
          const snapshot = await replaceFaults(client, { ...(seed === undefined ? {} : { seed }), rules });
          if (ctx.opts.json === true) return printJson(snapshot);
          return writeOut(
            `Replaced the fault rules: ${snapshot?.rules.length ?? 0} rule(s), seed ${snapshot?.seed ?? '?'}.`,
          );
        }
        const added = [];
        for (const rule of rules) added.push(await addFault(client, rule));
        if (ctx.opts.json === true) return printJson(added);
        writeOut(
          `Added ${added.length} fault rule(s): ${added.map((rule) => (typeof rule?.id === 'string' ? rule.id : '?')).join(', ')}.`,
        );
        if (seed !== undefined) writeOut(ctx.out.dim('(the seed applies with --replace only)'));
      }),
    );

  faults
    .command('list')
    .description('List the fault rules and how often each was injected.')
    .option('--json', 'print the rule set as JSON')
    .action(
      clientAction<{ json?: boolean }>(async (ctx) => {
        const { client } = await ctx.connection();
        const snapshot = await listFaults(client);
        if (ctx.opts.json === true) return printJson(snapshot);
        if (snapshot === undefined || snapshot.rules.length === 0)
          return writeOut(ctx.out.dim('no fault rules'));
        const rows = snapshot.rules.map((rule) => [
          rule.id,
          describeMatch(rule),
          String(rule.probability ?? 1),
          rule.count === undefined ? '∞' : String(rule.count),
          String(rule.injected),
          describeAction(rule),
        ]);
        writeOut(renderTable(['ID', 'MATCH', 'PROBABILITY', 'COUNT', 'INJECTED', 'ACTION'], rows, ctx.out));
        writeOut(`seed ${snapshot.seed}, ${snapshot.totalInjected} fault(s) injected`);
      }),
    );

  faults
    .command('clear')
    .argument('[id]', 'remove only this rule')
    .description('Remove every fault rule (or one).')
    .action(
      clientAction(async (ctx) => {
        const id = ctx.args[0];
        const { client } = await ctx.connection();
        await clearFaults(client, id);
        writeOut(id === undefined ? 'Removed every fault rule.' : `Removed fault rule ${id}.`);
      }),
    );
}
