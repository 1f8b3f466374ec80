/**
 * Evaluates a parsed `$filter` against a wire JSON entity, and extracts simple equality predicates a store can push
 * down to an index. A missing (or null) property compares as null: `ne` is true, every other operator false.
 */
import { canonicalInstant } from './datetime.js';
import type { ComparisonOperator, FilterExpression, FilterTarget } from './odata-filter-types.js';

function valueAt(entity: object, path: readonly string[]): unknown {
  let current: unknown = entity;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** The entity's value converted to the property's comparable form; undefined when missing or of the wrong type. */
function comparable(target: FilterTarget, raw: unknown): string | number | boolean | undefined {
  switch (target.type) {
    case 'int':
      return typeof raw === 'number' ? raw : undefined;
    case 'bool':
      return typeof raw === 'boolean' ? raw : undefined;
    case 'datetime':
      return canonicalInstant(raw);
    case 'string':
    case 'enum':
      if (typeof raw !== 'string') return undefined;
      return target.caseInsensitive ? raw.toLowerCase() : raw;
  }
}

function compare(
  operator: ComparisonOperator,
  left: string | number | boolean,
  right: string | number | boolean,
) {
  switch (operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

/** True when `entity` (the wire JSON of a task, job, pool, node or file) matches `expr`. */
export function evaluateFilter(expr: FilterExpression, entity: object): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluateFilter(expr.left, entity) && evaluateFilter(expr.right, entity);
    case 'or':
      return evaluateFilter(expr.left, entity) || evaluateFilter(expr.right, entity);
    case 'startswith': {
      const actual = comparable(expr, valueAt(entity, expr.path));
      const prefix = expr.caseInsensitive ? expr.value.toLowerCase() : expr.value;
      const matches = typeof actual === 'string' && actual.startsWith(prefix);
      return matches !== expr.negate;
    }
    case 'compare': {
      const actual = comparable(expr, valueAt(entity, expr.path));
      if (actual === undefined) return expr.operator === 'ne';
      const wanted =
        expr.caseInsensitive && typeof expr.value === 'string' ? expr.value.toLowerCase() : expr.value;
      return compare(expr.operator, actual, wanted);
    }
  }
}

/**
 * For index push-down: the value `path` must equal when `expr` is `path eq 'x'` or an `and` that contains such a
 * comparison; undefined otherwise (including anywhere under an `or`). Enum values come back lower-case; other
 * strings as written (compare them case-insensitively when the property is case-insensitive, e.g. ids).
 * The push-down is only a pre-filter: evaluate the full expression on the rows it returns.
 */
export function filterEquals(expr: FilterExpression, path: string): string | undefined {
  if (expr.kind === 'and') return filterEquals(expr.left, path) ?? filterEquals(expr.right, path);
  if (expr.kind !== 'compare' || expr.operator !== 'eq') return undefined;
  if (expr.property.toLowerCase() !== path.toLowerCase()) return undefined;
  return String(expr.value);
}
