/**
 * The built-in functions of the formula language (learn.microsoft.com/azure/batch/batch-automatic-scaling,
 * "Functions"). Functions that take a doubleVecList flatten their arguments, doubles and vectors alike:
 * `avg(v, 7)` is the average of v's elements and 7.
 */
import type { Position } from './errors.js';
import { FormulaEvaluationError } from './errors.js';
import { double, timestamp, vector, type Value } from './values.js';

export interface FunctionContext {
  now: number;
  random: () => number;
  position: Position;
  /** A double argument (metrics read as their current value). */
  toNumber(value: Value): number;
  /** A doubleVecList argument's elements. */
  toList(values: readonly Value[]): number[];
}

type Builtin = (args: readonly Value[], context: FunctionContext) => Value;

function fail(context: FunctionContext, reason: string): never {
  throw new FormulaEvaluationError('FormulaEvaluationError', reason, context.position);
}

/** The list of a list function; refuses an empty one, whose average or maximum has no value. */
function nonEmpty(name: string, args: readonly Value[], context: FunctionContext): number[] {
  const list = context.toList(args);
  if (list.length === 0) fail(context, `${name}() of an empty list`);
  return list;
}

const sum = (list: readonly number[]): number => list.reduce((total, x) => total + x, 0);
const mean = (list: readonly number[]): number => sum(list) / list.length;

function sampleStd(list: readonly number[]): number {
  if (list.length < 2) return 0;
  const average = mean(list);
  return Math.sqrt(sum(list.map((x) => (x - average) ** 2)) / (list.length - 1));
}

function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile: the smallest element with at least p % of the elements at or below it. */
function percentile(list: readonly number[], p: number): number {
  const sorted = [...list].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return sorted[Math.max(rank - 1, 0)]!;
}

/** lg/ln/log/ceil/floor/round: element-wise on a vector, plain on a double. */
function elementWise(apply: (x: number) => number): Builtin {
  return (args, context) => {
    if (args.length !== 1) fail(context, 'expects one argument');
    const [arg] = args as [Value];
    if (arg.type === 'vector') return vector(arg.values.map(apply));
    return double(apply(context.toNumber(arg)));
  };
}

function listFunction(name: string, compute: (list: number[]) => number): Builtin {
  return (args, context) => double(compute(nonEmpty(name, args, context)));
}

function exactly(count: number, name: string, args: readonly Value[], context: FunctionContext): void {
  if (args.length !== count) fail(context, `${name}() expects ${count} argument${count === 1 ? '' : 's'}`);
}

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  avg: listFunction('avg', mean),
  len: (args, context) => double(context.toList(args).length),
  max: listFunction('max', (list) => Math.max(...list)),
  min: listFunction('min', (list) => Math.min(...list)),
  sum: (args, context) => double(sum(context.toList(args))),
  median: listFunction('median', median),
  std: listFunction('std', sampleStd),
  norm: (args, context) => double(Math.sqrt(sum(context.toList(args).map((x) => x * x)))),
  range: listFunction('range', (list) => Math.max(...list) - Math.min(...list)),
  percentile: (args, context) => {
    exactly(2, 'percentile', args, context);
    const list = nonEmpty('percentile', args.slice(0, 1), context);
    return double(percentile(list, context.toNumber(args[1]!)));
  },
  val: (args, context) => {
    exactly(2, 'val', args, context);
    const list = context.toList(args.slice(0, 1));
    const index = context.toNumber(args[1]!);
    const element = Number.isInteger(index) ? list[index] : undefined;
    if (element === undefined) fail(context, `val(): index ${index} is outside a vector of ${list.length}`);
    return double(element);
  },
  lg: elementWise(Math.log2),
  ln: elementWise(Math.log),
  log: elementWise(Math.log10),
  ceil: elementWise(Math.ceil),
  floor: elementWise(Math.floor),
  round: elementWise(Math.round),
  rand: (args, context) => {
    exactly(0, 'rand', args, context);
    return double(context.random());
  },
  time: (args, context) => {
    if (args.length === 0) return timestamp(context.now);
    const [text] = args;
    if (args.length !== 1 || text?.type !== 'string') fail(context, 'time() expects a date-time string');
    const ms = text.value === '' ? context.now : Date.parse(text.value);
    if (Number.isNaN(ms)) fail(context, `time(): "${text.value}" is not a W3C-DTF or RFC 1123 date-time`);
    return timestamp(ms);
  },
};
