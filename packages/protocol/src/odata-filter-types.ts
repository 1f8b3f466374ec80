/**
 * Types of the OData `$filter` subset Batch supports (Azure Batch REST reference), shared by the parser, the evaluator and the
 * per-resource schemas.
 */

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterOperator = ComparisonOperator | 'startswith';
export type FilterValueType = 'string' | 'int' | 'datetime' | 'bool' | 'enum';

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

/** One filterable property of a resource. */
export interface FilterProperty {
  type: FilterValueType;
  /** Operators the service allows on this property. */
  operators: readonly FilterOperator[];
  /** Allowed values of an `enum` property (lower-case). */
  values?: readonly string[];
  /** Where the value lives in the wire JSON when it differs from the filter name (slash-separated). */
  path?: string;
  /** Compare strings ignoring case (ids are case-insensitive in Batch; enums always are). */
  caseInsensitive?: boolean;
}

/** Filter name (e.g. `executionInfo/exitCode`) → property. */
export type FilterSchema = Readonly<Record<string, FilterProperty>>;

/** What a property reference resolves to in a parsed expression. */
export interface FilterTarget {
  /** The canonical filter name from the schema, e.g. `executionInfo/exitCode`. */
  property: string;
  /** Segments of the wire JSON path, e.g. `['executionInfo', 'exitCode']`. */
  path: readonly string[];
  type: FilterValueType;
  caseInsensitive: boolean;
}

/**
 * A parsed filter. Values are already typed: enum values lower-case, datetimes as canonical UTC strings with 7
 * fractional digits (`2024-01-01T00:00:00.0000000Z`, which sort lexicographically in time order).
 */
export type FilterExpression =
  | { kind: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
  | (FilterTarget & { kind: 'compare'; operator: ComparisonOperator; value: string | number | boolean })
  | (FilterTarget & { kind: 'startswith'; value: string; negate: boolean });

/** A `$filter` or `$select` the service cannot accept; `reason` is a sentence for the error's `Reason` value. */
export class FilterError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.name = 'FilterError';
    this.reason = reason;
  }
}
