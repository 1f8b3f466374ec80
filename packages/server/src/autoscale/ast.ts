/** The syntax tree of an autoscale formula. Every node keeps its position for run-time error messages. */
import type { Position } from './errors.js';

export type Expression =
  | { kind: 'number'; value: number; position: Position }
  | { kind: 'string'; value: string; position: Position }
  | { kind: 'name'; name: string; position: Position }
  | { kind: 'unary'; operator: '-' | '+' | '!'; operand: Expression; position: Position }
  | { kind: 'binary'; operator: string; left: Expression; right: Expression; position: Position }
  | { kind: 'conditional'; test: Expression; then: Expression; otherwise: Expression; position: Position }
  | { kind: 'call'; name: string; args: Expression[]; position: Position }
  /** `target.member` (a timestamp field) or `target.member(args)` (a metric's sample method). */
  | { kind: 'member'; target: Expression; member: string; args?: Expression[]; position: Position };

export type Statement =
  | { kind: 'assign'; name: string; value: Expression; position: Position }
  | { kind: 'expression'; value: Expression; position: Position };

export interface Formula {
  statements: Statement[];
}
