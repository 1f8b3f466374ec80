/**
 * Parses an autoscale formula: statements separated by `;` (a last `;` is optional), each an assignment
 * `name = expression` or an expression. Precedence, lowest first: `?:`, `||`, `&&`, comparisons, `+ -`,
 * `* /`, unary `- + !`, member access and calls.
 */
import type { Expression, Formula, Statement } from './ast.js';
import { FormulaSyntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Batch: a formula has at most 100 statements. */
export const MAX_STATEMENTS = 100;

const COMPARISONS = new Set(['<', '<=', '==', '!=', '>=', '>']);

export function parseFormula(source: string): Formula {
  return new Parser(tokenize(source)).formula();
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  formula(): Formula {
    const statements: Statement[] = [];
    while (this.peek().kind !== 'end') {
      if (this.accept(';')) continue;
      statements.push(this.statement());
      if (this.peek().kind !== 'end') this.expect(';');
    }
    if (statements.length === 0)
      throw new FormulaSyntaxError('the formula has no statement', this.peek().position);
    if (statements.length > MAX_STATEMENTS) {
      throw new FormulaSyntaxError(`more than ${MAX_STATEMENTS} statements`, this.peek().position);
    }
    return { statements };
  }

  private statement(): Statement {
    const first = this.peek();
    const next = this.tokens[this.index + 1];
    if (first.kind === 'identifier' && next?.kind === 'operator' && next.text === '=') {
      this.index += 2;
      return { kind: 'assign', name: first.text, value: this.expression(), position: first.position };
    }
    return { kind: 'expression', value: this.expression(), position: first.position };
  }

  private expression(): Expression {
    const test = this.binary(0);
    const question = this.peek();
    if (!this.accept('?')) return test;
    const then = this.expression();
    this.expect(':');
    const otherwise = this.expression();
    return { kind: 'conditional', test, then, otherwise, position: question.position };
  }

  /** Binary levels, lowest precedence first. */
  private static readonly LEVELS: ReadonlyArray<(operator: string) => boolean> = [
    (op) => op === '||',
    (op) => op === '&&',
    (op) => COMPARISONS.has(op),
    (op) => op === '+' || op === '-',
    (op) => op === '*' || op === '/',
  ];

  private binary(level: number): Expression {
    const matches = Parser.LEVELS[level];
    if (matches === undefined) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'operator' || !matches(token.text)) return left;
      this.index += 1;
      const right = this.binary(level + 1);
      left = { kind: 'binary', operator: token.text, left, right, position: token.position };
    }
  }

  private unary(): Expression {
    const token = this.peek();
    if (token.kind === 'operator' && (token.text === '-' || token.text === '+' || token.text === '!')) {
      this.index += 1;
      return { kind: 'unary', operator: token.text, operand: this.unary(), position: token.position };
    }
    return this.postfix();
  }

  private postfix(): Expression {
    let target = this.primary();
    while (this.peek().text === '.' && this.peek().kind === 'operator') {
      this.next();
      const member = this.next();
      if (member.kind !== 'identifier' || member.text.startsWith('$')) {
        throw this.unexpected(member, 'a member name after "."');
      }
      const args = this.accept('(') ? this.argumentsAfterParen() : undefined;
      target = {
        kind: 'member',
        target,
        member: member.text,
        position: target.position,
        ...(args && { args }),
      };
    }
    return target;
  }

  private primary(): Expression {
    const token = this.next();
    if (token.kind === 'number')
      return { kind: 'number', value: token.number ?? 0, position: token.position };
    if (token.kind === 'string') return { kind: 'string', value: token.text, position: token.position };
    if (token.kind === 'identifier') {
      if (this.accept('(')) {
        return { kind: 'call', name: token.text, args: this.argumentsAfterParen(), position: token.position };
      }
      return { kind: 'name', name: token.text, position: token.position };
    }
    if (token.kind === 'operator' && token.text === '(') {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    throw this.unexpected(token, 'an expression');
  }

  private argumentsAfterParen(): Expression[] {
    const args: Expression[] = [];
    if (this.accept(')')) return args;
    do args.push(this.expression());
    while (this.accept(','));
    this.expect(')');
    return args;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private accept(operator: string): boolean {
    const token = this.peek();
    if (token.kind !== 'operator' || token.text !== operator) return false;
    this.index += 1;
    return true;
  }

  private expect(operator: string): void {
    const token = this.peek();
    if (!this.accept(operator)) throw this.unexpected(token, `"${operator}"`);
  }

  private unexpected(token: Token, wanted: string): FormulaSyntaxError {
    const found = token.kind === 'end' ? 'the end of the formula' : `"${token.text}"`;
    return new FormulaSyntaxError(`expected ${wanted} but found ${found}`, token.position);
  }
}
