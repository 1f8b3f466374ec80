/**
 * Splits a task's `commandLine` into argv the way the Batch Linux agent does: POSIX-shell-like word splitting
 * with quote removal and NO expansion (Python `shlex.split` semantics). Batch does not run a command line under a
 * shell (Azure Batch docs, "Jobs and tasks in Azure Batch", Command line).
 *
 * - Spaces, tabs, CR and LF separate words; runs of them count as one separator.
 * - `'…'` groups everything literally (no escapes inside).
 * - `"…"` groups; inside it a `'` is literal, and a backslash escapes only `"` and `\` (any other backslash is
 *   kept as is: `"a\$b"` stays `a\$b`, exactly like shlex; there is no `$` expansion to protect against).
 * - Outside quotes a backslash makes the next character literal (`a\ b` is one word `a b`), as in shlex.
 * - Quoted and unquoted parts that touch form one word (`a"b c"d` → `ab cd`); `""` alone is an empty word.
 * - `$VAR`, `~`, globs, `|`, `>`, `;`, `&&` and `#` are ordinary characters.
 * - An unterminated quote or a trailing lone backslash is an error (`CommandLineError`).
 */

export type CommandLineErrorCode = 'UnterminatedQuote' | 'TrailingBackslash';

/** Why a command line could not be split. `code` is stable; `message` is for people. */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
  constructor(
    readonly code: CommandLineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

/** Reads a `'…'` section starting after the opening quote; returns its text and the index after the close. */
function readSingleQuoted(text: string, start: number): [string, number] {
  const end = text.indexOf("'", start);
  if (end === -1) {
    throw new CommandLineError('UnterminatedQuote', `unterminated ' quote starting at offset ${start - 1}`);
  }
  return [text.slice(start, end), end + 1];
}

/** Reads a `"…"` section starting after the opening quote; returns its text and the index after the close. */
function readDoubleQuoted(text: string, start: number): [string, number] {
  let out = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') return [out, i + 1];
    const next = text[i + 1];
    if (c === '\\' && (next === '"' || next === '\\')) {
      out += next;
      i++;
    } else {
      out += c;
    }
  }
  throw new CommandLineError('UnterminatedQuote', `unterminated " quote starting at offset ${start - 1}`);
}

/** Splits `text` into argv words. Throws `CommandLineError` on an unterminated quote or trailing backslash. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') {
      const [part, next] = c === "'" ? readSingleQuoted(text, i + 1) : readDoubleQuoted(text, i + 1);
      word += part;
      i = next;
    } else if (c === '\\') {
      if (i + 1 >= text.length) {
        throw new CommandLineError('TrailingBackslash', 'the command line ends with a lone backslash');
      }
      word += text[i + 1] as string;
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
