/** Parsers for flag values and input files; bad values are usage errors (exit 2). */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './cli-errors.js';

/** A commander parser for an integer ≥ `min`. */
export function intArg(min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

/** A commander parser that collects repeated `NAME=VALUE` flags. */
export function pairArg(value: string, previous: { name: string; value: string }[] = []) {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected NAME=VALUE');
  return [...previous, { name: value.slice(0, at), value: value.slice(at + 1) }];
}

/** A commander parser for a comma-separated list. */
export function listArg(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

/** Reads a file (or stdin for `-`) as text; a missing file is a usage error. */
export async function readInput(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/** Parses JSON input, naming the source on failure. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A JSON object from a file, for `--file` (request bodies). */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  const value = parseJson(await readInput(path), path);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * One command line from argv words. A single word is taken as it is (`'/bin/sh -c "echo hi"'`); several words are
 * joined, quoting the ones with spaces or quotes, so `-- /bin/sh -c "echo hi"` gives the same command line.
 */
export function commandLineOf(words: readonly string[]): string {
  if (words.length === 1) return words[0]!;
  return words
    .map((word) => (word === '' || /[\s"']/.test(word) ? `"${word.replace(/(["\\])/g, '\\$1')}"` : word))
    .join(' ');
}
