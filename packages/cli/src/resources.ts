/** Printing resources in the chosen format: tables and fields for people, JSON and ids for scripts. */
import type { CommandContext } from './command-context.js';
import { outputFormat, printJson, renderFields, renderTable, writeOut, type OutputFlags } from './output.js';
import type { Style } from './style.js';

export type Field = readonly [string, string | number | undefined];

/** How one kind of resource is shown. */
export interface ResourceView<T> {
  id(item: T): string;
  headers: readonly string[];
  row(item: T, style: Style): string[];
  fields(item: T, style: Style): Field[];
}

/** The body without the response's request id (JSON output is the API body). */
export function body<T extends object>(item: T): T {
  const copy = { ...item } as T & { requestId?: string };
  delete copy.requestId;
  return copy;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function printList<T extends object>(
  ctx: CommandContext<OutputFlags>,
  items: readonly T[],
  view: ResourceView<T>,
  empty: string,
): void {
  const format = outputFormat(ctx.opts);
  if (format === 'json') return printJson(items.map(body));
  if (format === 'name') {
    if (items.length > 0) writeOut(items.map((item) => view.id(item)).join('\n'));
    return;
  }
  if (items.length === 0) return writeOut(ctx.out.dim(empty));
  writeOut(
    renderTable(
      view.headers,
      items.map((item) => view.row(item, ctx.out)),
      ctx.out,
    ),
  );
}

export function printOne<T extends object>(
  ctx: CommandContext<OutputFlags>,
  item: T,
  view: ResourceView<T>,
  extra: Record<string, unknown> = {},
): void {
  const format = outputFormat(ctx.opts);
  if (format === 'json') return printJson({ ...body(item), ...extra });
  if (format === 'name') return writeOut(view.id(item));
  writeOut(renderFields(view.fields(item, ctx.out)));
}

/** The outcome of a write: a sentence for people, `{ id, …result }` for scripts, the id for `-o name`. */
export function printWrite(
  ctx: CommandContext<OutputFlags>,
  id: string,
  sentence: string,
  result: object = {},
): void {
  const format = outputFormat(ctx.opts);
  if (format === 'json') return printJson({ id, ...result });
  if (format === 'name') return writeOut(id);
  writeOut(sentence);
}
