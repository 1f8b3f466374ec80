/**
 * Binary operators on the language's types (learn.microsoft.com/azure/batch/batch-automatic-scaling,
 * "Operations"). Comparisons answer 1 or 0. Undefined for a combination the language does not have.
 */
import { double, interval, timestamp, vector, type Value } from './values.js';

type Arithmetic = (a: number, b: number) => number;

const ARITHMETIC: Readonly<Record<string, Arithmetic>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
};

const COMPARE: Readonly<Record<string, (order: number) => boolean>> = {
  '<': (order) => order < 0,
  '<=': (order) => order <= 0,
  '==': (order) => order === 0,
  '!=': (order) => order !== 0,
  '>=': (order) => order >= 0,
  '>': (order) => order > 0,
};

export function applyBinary(operator: string, left: Value, right: Value): Value | undefined {
  const compare = COMPARE[operator];
  if (compare !== undefined) {
    const order = ordering(left, right);
    return order === undefined ? undefined : double(compare(order) ? 1 : 0);
  }
  const apply = ARITHMETIC[operator];
  if (apply === undefined) return undefined;
  return arithmetic(operator, apply, left, right);
}

function ordering(left: Value, right: Value): number | undefined {
  if (left.type === 'double' && right.type === 'double') return Math.sign(left.value - right.value);
  if (left.type === 'string' && right.type === 'string') {
    return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
  }
  if (left.type === 'timestamp' && right.type === 'timestamp') return Math.sign(left.ms - right.ms);
  if (left.type === 'interval' && right.type === 'interval') return Math.sign(left.ms - right.ms);
  return undefined;
}

function arithmetic(operator: string, apply: Arithmetic, left: Value, right: Value): Value | undefined {
  if (left.type === 'double' && right.type === 'double') return double(apply(left.value, right.value));
  if (left.type === 'vector' && right.type === 'double') {
    return vector(left.values.map((x) => apply(x, right.value)));
  }
  if (left.type === 'vector' && right.type === 'vector') {
    if (left.values.length !== right.values.length) return undefined;
    return vector(left.values.map((x, i) => apply(x, right.values[i]!)));
  }
  if (left.type === 'double' && right.type === 'interval' && operator === '*') {
    return interval(left.value * right.ms);
  }
  if (left.type === 'interval' && right.type === 'double' && (operator === '*' || operator === '/')) {
    return interval(apply(left.ms, right.value));
  }
  if (left.type === 'interval' && right.type === 'interval' && (operator === '+' || operator === '-')) {
    return interval(apply(left.ms, right.ms));
  }
  if (operator === '+' && left.type === 'interval' && right.type === 'timestamp') {
    return timestamp(left.ms + right.ms);
  }
  if (operator === '+' && left.type === 'timestamp' && right.type === 'interval') {
    return timestamp(left.ms + right.ms);
  }
  if (operator === '-' && left.type === 'timestamp' && right.type === 'timestamp') {
    return interval(left.ms - right.ms);
  }
  return undefined;
}
