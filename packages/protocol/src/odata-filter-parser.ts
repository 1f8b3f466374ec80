/**
 * Parser for the `$filter` subset of the Batch API: `eq ne gt ge lt le`, `and` (binds tighter) and `or`,
 * parentheses, `startswith(prop,'x')` (optionally followed by `eq true` / `eq false`), string literals with `''`
 * escapes, integers, `true`/`false`, and date-times either bare (`2024-01-01T00:00:00Z`) or as `datetime'…'`.
 * Keywords and property names match case-insensitively. Everything is checked against a per-resource schema so a
 * bad filter fails with a sentence saying what is wrong, which the server returns as the error's `Reason`.
 */
import { canonicalInstant } from './datetime.js';
import type {
  ComparisonOperator,
  FilterExpression,
  FilterSchema,
  FilterTarget,
} from './odata-filter-types.js';
import { COMPARISON_OPERATORS, FilterError } from './odata-filter-types.js';

type Token =
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'int'; text: string; value: number; pos: number }
  | { kind: 'datetime'; text: string; pos: number };

type Literal =
  | { kind: 'string' | 'datetime'; text: string }
  | { kind: 'int'; value: number }
  | { kind: 'bool'; value: boolean };

const WORD = /^[A-Za-z_$][A-Za-z0-9_$./]*/;
const BARE_DATETIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/;
const INTEGER = /^-?\d+/;

function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf("'", i);
    if (quote === -1)
      throw new FilterError(`The string that starts at position ${start + 1} is not closed with a quote.`);
    value += text.slice(i, quote);
    if (text[quote + 1] !== "'") return { value, end: quote + 1 };
    value += "'";
    i = quote + 2;
  }
}

/** Reads the token at `pos`; returns it with the number of source characters it covers. */
function nextToken(text: string, pos: number): [Token, number] {
  const rest = text.slice(pos);
  const char = rest[0] as string;
  if (char === '(' || char === ')' || char === ',') return [{ kind: 'punct', text: char, pos }, 1];
  if (char === "'") {
    const { value, end } = readQuoted(text, pos);
    return [{ kind: 'string', text: value, pos }, end - pos];
  }
  const datetime = BARE_DATETIME.exec(rest);
  if (datetime) return [{ kind: 'datetime', text: datetime[0], pos }, datetime[0].length];
  const integer = INTEGER.exec(rest);
  if (integer) return [{ kind: 'int', text: integer[0], value: Number(integer[0]), pos }, integer[0].length];
  const word = WORD.exec(rest);
  if (!word) throw new FilterError(`Unexpected character '${char}' at position ${pos + 1}.`);
  if (word[0].toLowerCase() === 'datetime' && rest[word[0].length] === "'") {
    const { value, end } = readQuoted(text, pos + word[0].length);
    return [{ kind: 'datetime', text: value, pos }, end - pos];
  }
  return [{ kind: 'word', text: word[0], pos }, word[0].length];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    if (/\s/.test(text[pos] as string)) {
      pos += 1;
      continue;
    }
    const [token, length] = nextToken(text, pos);
    tokens.push(token);
    pos += length;
  }
  return tokens;
}

/** Deeper nesting is refused rather than risking the stack on hostile input. */
const MAX_NESTING = 50;

class Parser {
  private index = 0;
  private depth = 0;
  private readonly lookup: Map<string, string>;

  constructor(
    private readonly tokens: Token[],
    private readonly schema: FilterSchema,
  ) {
    this.lookup = new Map(Object.keys(schema).map((name) => [name.toLowerCase(), name]));
  }

  parse(): FilterExpression {
    if (this.tokens.length === 0) throw new FilterError('The filter is empty.');
    const expr = this.parseOr();
    const extra = this.peek();
    if (extra)
      throw new FilterError(
        `Unexpected '${extra.text}' at position ${extra.pos + 1}; expected 'and', 'or' or the end.`,
      );
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private take(what: string): Token {
    const token = this.tokens[this.index];
    if (!token) throw new FilterError(`The filter ends too early; expected ${what}.`);
    this.index += 1;
    return token;
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private expectPunct(text: '(' | ')' | ','): void {
    const token = this.take(`'${text}'`);
    if (token.kind !== 'punct' || token.text !== text) {
      throw new FilterError(`Expected '${text}' at position ${token.pos + 1} but found '${token.text}'.`);
    }
  }

  private parseOr(): FilterExpression {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpression {
    let left = this.parsePrimary();
    while (this.isWord(this.peek(), 'and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): FilterExpression {
    const token = this.take("a comparison such as state eq 'active'");
    if (token.kind === 'punct' && token.text === '(') {
      this.depth += 1;
      if (this.depth > MAX_NESTING)
        throw new FilterError(`Parentheses are nested more than ${MAX_NESTING} deep.`);
      const inner = this.parseOr();
      this.expectPunct(')');
      this.depth -= 1;
      return inner;
    }
    if (token.kind !== 'word') {
      throw new FilterError(
        `Expected a property name at position ${token.pos + 1} but found '${token.text}'.`,
      );
    }
    const lower = token.text.toLowerCase();
    if (lower === 'startswith' && this.peek()?.text === '(') return this.parseStartsWith();
    if (lower === 'not') throw new FilterError("The 'not' operator is not supported; use 'ne' instead.");
    return this.parseComparison(token);
  }

  private parseStartsWith(): FilterExpression {
    this.expectPunct('(');
    const target = this.resolve(this.take('a property name'), 'startswith');
    this.expectPunct(',');
    const literal = this.take('a quoted string');
    if (literal.kind !== 'string') {
      throw new FilterError(
        `The second argument of startswith must be a quoted string, at position ${literal.pos + 1}.`,
      );
    }
    this.expectPunct(')');
    let negate = false;
    const next = this.peek();
    if (next && (this.isWord(next, 'eq') || this.isWord(next, 'ne'))) {
      this.index += 1;
      const flag = this.literal(this.take('true or false'));
      if (flag.kind !== 'bool')
        throw new FilterError('startswith(...) can only be compared with true or false.');
      negate = flag.value === this.isWord(next, 'ne');
    }
    return { kind: 'startswith', ...target, value: literal.text, negate };
  }

  private parseComparison(name: Token): FilterExpression {
    const opToken = this.take(`an operator after '${name.text}'`);
    const operator = opToken.text.toLowerCase() as ComparisonOperator;
    if (opToken.kind !== 'word' || !COMPARISON_OPERATORS.includes(operator)) {
      const allowed = COMPARISON_OPERATORS.join(', ');
      throw new FilterError(`Expected one of ${allowed} after '${name.text}' but found '${opToken.text}'.`);
    }
    const target = this.resolve(name, operator);
    const value = this.typedValue(target, this.literal(this.take(`a value after '${opToken.text}'`)));
    return { kind: 'compare', ...target, operator, value };
  }

  private literal(token: Token): Literal {
    if (token.kind === 'string' || token.kind === 'datetime') return { kind: token.kind, text: token.text };
    if (token.kind === 'int') return { kind: 'int', value: token.value };
    if (this.isWord(token, 'true') || this.isWord(token, 'false')) {
      return { kind: 'bool', value: token.text.toLowerCase() === 'true' };
    }
    throw new FilterError(
      `Expected a value (a quoted string, a number, true/false or a date-time) at position ${token.pos + 1} but found '${token.text}'.`,
    );
  }

  private resolve(token: Token, operator: string): FilterTarget {
    const name = token.kind === 'word' ? this.lookup.get(token.text.toLowerCase()) : undefined;
    const spec = name === undefined ? undefined : this.schema[name];
    if (name === undefined || spec === undefined) {
      const known = Object.keys(this.schema).join(', ');
      throw new FilterError(
        `'${token.text}' is not a property that can be filtered on here; use one of: ${known}.`,
      );
    }
    if (!spec.operators.includes(operator as never)) {
      throw new FilterError(
        `The operator '${operator}' is not supported on '${name}'; supported: ${spec.operators.join(', ')}.`,
      );
    }
    const caseInsensitive = spec.type === 'enum' || spec.caseInsensitive === true;
    return { property: name, path: (spec.path ?? name).split('/'), type: spec.type, caseInsensitive };
  }

  private typedValue(target: FilterTarget, literal: Literal): string | number | boolean {
    const { property, type } = target;
    if (type === 'int' && literal.kind === 'int' && Number.isSafeInteger(literal.value)) return literal.value;
    if (type === 'bool' && literal.kind === 'bool') return literal.value;
    if (type === 'string' && literal.kind === 'string') return literal.text;
    if (type === 'enum' && literal.kind === 'string') return this.enumValue(property, literal.text);
    if (type === 'datetime' && (literal.kind === 'datetime' || literal.kind === 'string')) {
      const instant = canonicalInstant(literal.text);
      if (instant !== undefined) return instant;
      throw new FilterError(
        `'${literal.text}' is not a valid date-time for '${property}'; use e.g. 2024-01-01T00:00:00Z.`,
      );
    }
    const expected = {
      int: 'an integer',
      bool: 'true or false',
      string: 'a quoted string',
      enum: 'a quoted string',
      datetime: "a date-time such as 2024-01-01T00:00:00Z or datetime'2024-01-01T00:00:00Z'",
    }[type];
    throw new FilterError(`'${property}' must be compared with ${expected}.`);
  }

  private enumValue(property: string, text: string): string {
    const allowed = this.schema[property]?.values ?? [];
    const value = text.toLowerCase();
    if (allowed.length > 0 && !allowed.includes(value)) {
      throw new FilterError(
        `'${text}' is not a valid value for '${property}'; use one of: ${allowed.join(', ')}.`,
      );
    }
    return value;
  }
}

/** Parses `text` against `schema`; throws `FilterError` (with a `reason` sentence) when it cannot be served. */
export function parseFilter(text: string, schema: FilterSchema): FilterExpression {
  return new Parser(tokenize(text), schema).parse();
}
