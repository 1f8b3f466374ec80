/**
 * Tokens of the Batch autoscale formula language: identifiers (service variables start with `$`), numbers,
 * double-quoted strings, operators and punctuation. `//` and `/* … *\/` comments and whitespace (line breaks
 * included) separate tokens. Every token carries its line and column (1-based) for error messages.
 */
import { FormulaSyntaxError, type Position } from './errors.js';

export type TokenKind = 'identifier' | 'number' | 'string' | 'operator' | 'end';

export interface Token {
  kind: TokenKind;
  text: string;
  /** The value of a number token. */
  number?: number;
  position: Position;
}

/** Longest first, so `<=` wins over `<`. */
const OPERATORS = [
  '<=',
  '>=',
  '==',
  '!=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '<',
  '>',
  '!',
  '?',
  ':',
  '=',
  '(',
  ')',
  ',',
  '.',
  ';',
];

const IDENTIFIER = /\$?[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, column: index - lineStart + 1 });
  const advance = (count: number): void => {
    for (let end = index + count; index < end; index += 1) {
      if (source[index] === '\n') {
        line += 1;
        lineStart = index + 1;
      }
    }
  };
  while (index < source.length) {
    const rest = source.slice(index, index + 2);
    if (/\s/.test(source[index] ?? '')) {
      advance(1);
    } else if (rest === '//') {
      const end = source.indexOf('\n', index);
      advance((end === -1 ? source.length : end) - index);
    } else if (rest === '/*') {
      const end = source.indexOf('*/', index + 2);
      if (end === -1) throw new FormulaSyntaxError('unterminated comment', here());
      advance(end + 2 - index);
    } else {
      const token = readToken(source, index, here());
      tokens.push(token);
      advance(token.kind === 'string' ? token.text.length + 2 : token.text.length);
    }
  }
  tokens.push({ kind: 'end', text: '', position: here() });
  return tokens;
}

function readToken(source: string, index: number, position: Position): Token {
  IDENTIFIER.lastIndex = index;
  const identifier = IDENTIFIER.exec(source);
  if (identifier !== null) return { kind: 'identifier', text: identifier[0], position };
  NUMBER.lastIndex = index;
  const number = NUMBER.exec(source);
  if (number !== null) return { kind: 'number', text: number[0], number: Number(number[0]), position };
  if (source[index] === '"') {
    const end = source.indexOf('"', index + 1);
    if (end === -1) throw new FormulaSyntaxError('unterminated string', position);
    return { kind: 'string', text: source.slice(index + 1, end), position };
  }
  const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
  if (operator !== undefined) return { kind: 'operator', text: operator, position };
  throw new FormulaSyntaxError(`unexpected character '${source[index] ?? ''}'`, position);
}
