/**
 * Renders the tables of docs/retry.md from the code: option values from `DEFAULT_RETRY_OPTIONS`, their meaning
 * from the TSDoc in src/options.ts, and the classification rules from `CLASSIFICATION_TABLE`.
 * `docs-sync.test.ts` checks the docs against it; `node packages/retry/scripts/gen-docs.mjs` rewrites them.
 */
import { readFileSync } from 'node:fs';

import { CLASSIFICATION_TABLE, DEFAULT_RETRY_OPTIONS, type ClassificationRule } from '../src/index.js';

export const OPTIONS_SOURCE = new URL('../../src/options.ts', import.meta.url);
export const DOCS_FILE = new URL('../../../../docs/retry.md', import.meta.url);

/** A default as it is written in docs and `@defaultValue` tags: `4`, `'full'`, `Infinity`, `{ a: 1 }`. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`);
    return `{ ${fields.join(', ')} }`;
  }
  return String(value);
}

/** Every option with a default, budget fields as `budget.ratio`, in declaration order. */
export function flatDefaults(): Array<[string, unknown]> {
  const rows: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(DEFAULT_RETRY_OPTIONS)) {
    if (key === 'budget') {
      for (const [k, v] of Object.entries(value as object)) rows.push([`budget.${k}`, v]);
    } else rows.push([key, value]);
  }
  return rows;
}

export interface DocComment {
  name: string;
  text: string;
  defaultValue: string | undefined;
}

/** The TSDoc comment in front of each `name?:` / `name:` member of src/options.ts, in file order. */
export function optionComments(source = readFileSync(OPTIONS_SOURCE, 'utf8')): DocComment[] {
  const out: DocComment[] = [];
  const pattern = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:readonly\s+)?(\w+)\??:/g;
  for (const match of source.matchAll(pattern)) {
    const body = (match[1] ?? '').replace(/^\s*\* ?/gm, '').trim();
    const tag = /@defaultValue\s+`([^`]+)`/.exec(body);
    const text = body.split('@defaultValue')[0]!.replace(/\s+/g, ' ').trim();
    out.push({ name: match[2]!, text, defaultValue: tag?.[1] });
  }
  return out;
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

/** The defaults table: option, default, meaning (first sentence of the option's TSDoc). */
export function renderDefaultsTable(): string {
  const docs = new Map(
    optionComments()
      .filter((c) => c.text !== '')
      .map((c) => [c.name, c.text] as const),
  );
  const lines = ['| Option | Default | Meaning |', '| --- | --- | --- |'];
  for (const [name, value] of flatDefaults()) {
    const meaning = firstSentence(docs.get(name.replace(/^budget\./, '')) ?? '');
    lines.push(`| \`${name}\` | \`${formatValue(value)}\` | ${meaning.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

function describeMatch(rule: ClassificationRule): string {
  const m = rule.match;
  if ('status' in m) return `status ${m.status}${m.retryAfter === true ? ' with Retry-After' : ''}`;
  if ('statusFrom' in m) return `status ${m.statusFrom}–${m.statusTo} (others)`;
  if ('code' in m) return `code \`${m.code}\``;
  return `name \`${m.name}\``;
}

/** The classification table, one row per rule in matching order. */
export function renderClassificationTable(): string {
  const lines = [
    '| Error (status, code or name) | Decision | Reason | Safe to resend when not idempotent |',
    '| --- | --- | --- | --- |',
  ];
  for (const rule of CLASSIFICATION_TABLE) {
    const kind =
      rule.firstAttemptOnly === true
        ? `${rule.kind} (first attempt only)`
        : rule.neverArrived === true
          ? `${rule.kind} (never arrived: until the deadline)`
          : rule.kind;
    const safe = rule.kind === 'fatal' ? '–' : rule.unprocessed === true ? 'yes' : 'no';
    lines.push(`| ${describeMatch(rule)} | ${kind} | \`${rule.reason}\` | ${safe} |`);
  }
  return lines.join('\n');
}

/** Table rows as trimmed cells, so Prettier's column alignment does not matter. */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.trim().startsWith('|') && !/^\|\s*-/.test(line.trim()))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function region(markdown: string, name: string): string | undefined {
  const match = new RegExp(`<!-- ${name}:start -->([\\s\\S]*?)<!-- ${name}:end -->`).exec(markdown);
  return match?.[1];
}

/** The markdown with the region replaced by `content`. */
export function replaceRegion(markdown: string, name: string, content: string): string {
  return markdown.replace(
    new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`),
    (_, start: string, end: string) => `${start}\n\n${content}\n\n${end}`,
  );
}
