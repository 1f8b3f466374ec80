/**
 * Evaluates a parsed formula against a pool's metrics. Statements run in order; `stop()` ends the evaluation
 * early with what was computed so far. The results list the service variables first, then the formula's own
 * variables in name order, as `autoScaleRun.results` shows them: `$TargetDedicatedNodes=2;…;x=5`.
 */
import type { Expression, Formula } from './ast.js';
import { FormulaEvaluationError, type Position } from './errors.js';
import { BUILTINS, type FunctionContext } from './functions.js';
import { applyBinary } from './operators.js';
import { callSampleMethod } from './sample-methods.js';
import type { MetricSource } from './samples.js';
import {
  DEALLOCATION_OPTIONS,
  double,
  formatValue,
  TIME_INTERVALS,
  typeName,
  interval,
  type Value,
} from './values.js';

/** Read-only service variables Batch defines (learn.microsoft.com/azure/batch/batch-automatic-scaling). */
export const READ_ONLY_VARIABLES = [
  '$CPUPercent',
  '$WallClockSeconds',
  '$MemoryBytes',
  '$DiskBytes',
  '$DiskReadBytes',
  '$DiskWriteBytes',
  '$DiskReadOps',
  '$DiskWriteOps',
  '$NetworkInBytes',
  '$NetworkOutBytes',
  '$SampleNodeCount',
  '$ActiveTasks',
  '$RunningTasks',
  '$PendingTasks',
  '$SucceededTasks',
  '$FailedTasks',
  '$TaskSlotsPerNode',
  '$CurrentDedicatedNodes',
  '$CurrentLowPriorityNodes',
  '$UsableNodeCount',
  '$PreemptedNodeCount',
] as const;
const READ_ONLY = new Set<string>(READ_ONLY_VARIABLES);

const SETTABLE = ['$TargetDedicatedNodes', '$TargetLowPriorityNodes', '$NodeDeallocationOption'];

export interface EvaluationInput {
  now: number;
  random: () => number;
  metrics: MetricSource;
  /** The pool's targets before the evaluation: the starting values of the settable variables. */
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
}

export interface EvaluationOutcome {
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  nodeDeallocationOption: (typeof DEALLOCATION_OPTIONS)[number];
  results: string;
}

/** Thrown by `stop()`: ends the evaluation, keeping what was computed. */
class Stop extends Error {}

export function evaluateFormula(formula: Formula, input: EvaluationInput): EvaluationOutcome {
  const variables = new Map<string, Value>([
    ['$TargetDedicatedNodes', double(input.targetDedicatedNodes)],
    ['$TargetLowPriorityNodes', double(input.targetLowPriorityNodes)],
    ['$NodeDeallocationOption', { type: 'string', value: 'requeue' }],
  ]);
  const evaluator = new Evaluator(input, variables);
  try {
    for (const statement of formula.statements) {
      const value = evaluator.evaluate(statement.value);
      if (statement.kind === 'assign') evaluator.assign(statement.name, value, statement.position);
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return outcome(variables);
}

function outcome(variables: Map<string, Value>): EvaluationOutcome {
  const at = (name: string): Value => variables.get(name)!;
  const own = [...variables.keys()]
    .filter((name) => !SETTABLE.includes(name))
    .sort((a, b) => a.replace('$', '').toLowerCase().localeCompare(b.replace('$', '').toLowerCase()));
  const results = [...SETTABLE, ...own].map((name) => `${name}=${formatValue(at(name))}`).join(';');
  const option = at('$NodeDeallocationOption');
  return {
    targetDedicatedNodes: nodeCount(at('$TargetDedicatedNodes')),
    targetLowPriorityNodes: nodeCount(at('$TargetLowPriorityNodes')),
    nodeDeallocationOption:
      DEALLOCATION_OPTIONS.find((o) => option.type === 'string' && o === option.value) ?? 'requeue',
    results,
  };
}

/** A target is a whole number of nodes: the fraction is dropped, a negative target is none (documented). */
function nodeCount(value: Value): number {
  return value.type === 'double' && value.value > 0 ? Math.trunc(value.value) : 0;
}

class Evaluator {
  constructor(
    private readonly input: EvaluationInput,
    private readonly variables: Map<string, Value>,
  ) {}

  assign(name: string, value: Value, position: Position): void {
    if (READ_ONLY.has(name) || name in TIME_INTERVALS) this.fail(`${name} is read-only`, position);
    if (name === '$NodeDeallocationOption') {
      if (value.type !== 'string' || !(DEALLOCATION_OPTIONS as readonly string[]).includes(value.value)) {
        this.fail(`$NodeDeallocationOption must be one of ${DEALLOCATION_OPTIONS.join(', ')}`, position);
      }
    } else if (name === '$TargetDedicatedNodes' || name === '$TargetLowPriorityNodes') {
      const count = value.type === 'metric' ? double(this.toNumber(value, position)) : value;
      if (count.type !== 'double' || !Number.isFinite(count.value)) {
        this.fail(`${name} must be a finite double, not ${formatValue(count)}`, position);
      }
      value = count;
    }
    this.variables.set(name, value.type === 'metric' ? double(this.toNumber(value, position)) : value);
  }

  evaluate(expression: Expression): Value {
    switch (expression.kind) {
      case 'number':
        return double(expression.value);
      case 'string':
        return { type: 'string', value: expression.value };
      case 'name':
        return this.lookup(expression.name, expression.position);
      case 'unary':
        return this.unary(expression.operator, this.evaluate(expression.operand), expression.position);
      case 'binary':
        return this.binary(expression);
      case 'conditional':
        return this.truth(this.evaluate(expression.test), expression.position)
          ? this.evaluate(expression.then)
          : this.evaluate(expression.otherwise);
      case 'call':
        return this.call(expression.name, expression.args, expression.position);
      case 'member':
        return this.member(expression);
    }
  }

  private lookup(name: string, position: Position): Value {
    const variable = this.variables.get(name);
    if (variable !== undefined) return variable;
    if (READ_ONLY.has(name)) return { type: 'metric', name };
    const constant = TIME_INTERVALS[name];
    if (constant !== undefined) return interval(constant);
    if ((DEALLOCATION_OPTIONS as readonly string[]).includes(name)) return { type: 'string', value: name };
    return this.fail(`${name} is not defined`, position);
  }

  private binary(expression: Extract<Expression, { kind: 'binary' }>): Value {
    const { operator, position } = expression;
    const left = this.evaluate(expression.left);
    if (operator === '&&' && !this.truth(left, position)) return double(0);
    if (operator === '||' && this.truth(left, position)) return double(1);
    const right = this.evaluate(expression.right);
    if (operator === '&&' || operator === '||') return double(this.truth(right, position) ? 1 : 0);
    const result = applyBinary(
      operator,
      this.plain(left, expression.left.position),
      this.plain(right, expression.right.position),
    );
    if (result === undefined) {
      this.fail(
        `${typeName(left)} ${operator} ${typeName(right)} is not an operation of the language`,
        position,
      );
    }
    return result;
  }

  private unary(operator: '-' | '+' | '!', operand: Value, position: Position): Value {
    const value = this.plain(operand, position);
    if (operator === '!') return double(this.truth(value, position) ? 0 : 1);
    const sign = operator === '-' ? -1 : 1;
    if (value.type === 'double') return double(sign * value.value);
    if (value.type === 'interval') return interval(sign * value.ms);
    if (value.type === 'vector') return { type: 'vector', values: value.values.map((x) => sign * x) };
    return this.fail(`${operator}${typeName(value)} is not an operation of the language`, position);
  }

  private call(name: string, args: readonly Expression[], position: Position): Value {
    if (name === 'stop') throw new Stop();
    const builtin = BUILTINS[name];
    if (builtin === undefined) this.fail(`${name}() is not a function of the language`, position);
    return builtin(
      args.map((arg) => this.evaluate(arg)),
      this.functionContext(position),
    );
  }

  private member(expression: Extract<Expression, { kind: 'member' }>): Value {
    const { member, position } = expression;
    const target = this.evaluate(expression.target);
    if (target.type === 'metric' && expression.args !== undefined) {
      const args = expression.args.map((arg) => this.evaluate(arg));
      return callSampleMethod(target.name, member, args, this.input, this.functionContext(position));
    }
    if (target.type === 'timestamp' && expression.args === undefined) {
      const field = timestampField(target.ms, member);
      if (field !== undefined) return double(field);
    }
    return this.fail(`${typeName(target)} has no member ${member}`, position);
  }

  private functionContext(position: Position): FunctionContext {
    return {
      now: this.input.now,
      random: this.input.random,
      position,
      toNumber: (value) => this.toNumber(value, position),
      toList: (values) =>
        values.flatMap((value) =>
          value.type === 'vector' ? value.values : [this.toNumber(value, position)],
        ),
    };
  }

  /** A metric read as a value is its current value. */
  private plain(value: Value, position: Position): Value {
    return value.type === 'metric' ? double(this.toNumber(value, position)) : value;
  }

  private toNumber(value: Value, position: Position): number {
    if (value.type === 'double') return value.value;
    if (value.type === 'metric') {
      const current = this.input.metrics.current(value.name);
      if (current === undefined) this.fail(`${value.name} is not measured by Batchite`, position);
      return current;
    }
    return this.fail(`expected a double, not a ${typeName(value)}`, position);
  }

  private truth(value: Value, position: Position): boolean {
    return this.toNumber(this.plain(value, position), position) !== 0;
  }

  private fail(reason: string, position: Position): never {
    throw new FormulaEvaluationError('FormulaEvaluationError', reason, position);
  }
}

/** `time().hour` and the other fields of a timestamp, in UTC; weekday 0 is Sunday, 1 Monday. */
function timestampField(ms: number, member: string): number | undefined {
  const date = new Date(ms);
  const fields: Record<string, number> = {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    weekday: date.getUTCDay(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
  return fields[member];
}
