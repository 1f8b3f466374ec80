/**
 * A tiny schema DSL for request bodies, so each body is described by a table rather than hand-written checks.
 *
 * Walking a schema produces either the normalised value (enums in their canonical casing, durations in canonical
 * form, JSON `null` treated as absent, unknown properties dropped from closed objects) or the first Batch error:
 * `MissingRequiredProperty` or `InvalidPropertyValue` with `PropertyName` / `PropertyValue` / `Reason` values.
 * Property paths use dots and indices: `constraints.maxTaskRetryCount`, `dependsOn.taskIdRanges[0].start`.
 */
import { formatDurationTicks, parseDurationTicks } from '../duration.js';
import type { BatchErrorCode, ErrorDetail } from '../errors.js';
import { ERROR_CATALOG } from '../errors.js';
import { validateId } from '../ids.js';

export interface ValidationError {
  code: BatchErrorCode;
  message: string;
  values: ErrorDetail[];
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

/** A cross-field rule run on an already-normalised value; returns an error or undefined. */
export type Check = (value: never, path: string) => ValidationError | undefined;

interface Common {
  required?: boolean;
  check?: Check;
}

export type Rule = Common &
  (
    | { type: 'string'; maxLength?: number; nonEmpty?: boolean }
    | { type: 'id' }
    | { type: 'int'; min?: number; max?: number; exclude?: readonly number[] }
    | { type: 'bool' }
    | { type: 'enum'; values: readonly string[] }
    | { type: 'duration'; minMs?: number }
    | { type: 'object'; fields: Fields; open?: boolean }
    | { type: 'array'; items: Rule; maxItems?: number }
    | { type: 'opaque'; shape: 'object' | 'array' }
  );

export type Fields = Readonly<Record<string, Rule>>;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

// Builders: `req(int({ min: 0 }))` reads like the table in the reference.
export const str = (opts: { maxLength?: number; nonEmpty?: boolean } = {}): Rule => ({
  type: 'string',
  ...opts,
});
export const id = (): Rule => ({ type: 'id' });
export const int = (opts: { min?: number; max?: number; exclude?: readonly number[] } = {}): Rule => ({
  type: 'int',
  ...opts,
});
export const bool = (): Rule => ({ type: 'bool' });
export const oneOf = (values: readonly string[]): Rule => ({ type: 'enum', values });
export const duration = (opts: { minMs?: number } = {}): Rule => ({ type: 'duration', ...opts });
export const obj = (fields: Fields, opts: { open?: boolean; check?: Check } = {}): Rule => ({
  type: 'object',
  fields,
  ...opts,
});
export const arr = (items: Rule, opts: { maxItems?: number; check?: Check } = {}): Rule => ({
  type: 'array',
  items,
  ...opts,
});
/** Accepted and echoed back without interpretation (must still be a JSON object / array). */
export const opaque = (shape: 'object' | 'array' = 'object'): Rule => ({ type: 'opaque', shape });
export const req = (rule: Rule): Rule => ({ ...rule, required: true });
export const withCheck = (rule: Rule, check: Check): Rule => ({ ...rule, check });

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? typeof value;
}

export function missingProperty(path: string): ValidationError {
  return {
    code: 'MissingRequiredProperty',
    message: ERROR_CATALOG.MissingRequiredProperty.message,
    values: [{ key: 'PropertyName', value: path }],
  };
}

export function invalidProperty(path: string, value: unknown, reason: string): ValidationError {
  return {
    code: 'InvalidPropertyValue',
    message: ERROR_CATALOG.InvalidPropertyValue.message,
    values: [
      { key: 'PropertyName', value: path },
      { key: 'PropertyValue', value: describeValue(value) },
      { key: 'Reason', value: reason },
    ],
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Step = { ok: true; value: unknown } | { ok: false; error: ValidationError };
const fail = (error: ValidationError): Step => ({ ok: false, error });

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

function checkInt(rule: Extract<Rule, { type: 'int' }>, value: unknown, path: string): Step {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    return fail(invalidProperty(path, value, 'The value must be a 32-bit integer.'));
  }
  const tooLow = rule.min !== undefined && value < rule.min;
  const tooHigh = rule.max !== undefined && value > rule.max;
  if (tooLow || tooHigh || rule.exclude?.includes(value)) {
    const excluded = rule.exclude?.length ? ` and not ${rule.exclude.join(' or ')}` : '';
    return fail(
      invalidProperty(path, value, `The value must be ${describeRange(rule.min, rule.max)}${excluded}.`),
    );
  }
  return { ok: true, value };
}

function checkString(rule: Extract<Rule, { type: 'string' }>, value: unknown, path: string): Step {
  if (typeof value !== 'string') return fail(invalidProperty(path, value, 'The value must be a string.'));
  if (rule.nonEmpty && value.length === 0)
    return fail(invalidProperty(path, value, 'The value must not be empty.'));
  if (rule.maxLength !== undefined && value.length > rule.maxLength) {
    return fail(invalidProperty(path, value, `The value must be at most ${rule.maxLength} characters long.`));
  }
  return { ok: true, value };
}

function checkEnum(rule: Extract<Rule, { type: 'enum' }>, value: unknown, path: string): Step {
  const wanted = typeof value === 'string' ? value.toLowerCase() : undefined;
  const canonical = rule.values.find((candidate) => candidate.toLowerCase() === wanted);
  if (canonical === undefined) {
    return fail(invalidProperty(path, value, `The value must be one of: ${rule.values.join(', ')}.`));
  }
  return { ok: true, value: canonical };
}

function checkDuration(rule: Extract<Rule, { type: 'duration' }>, value: unknown, path: string): Step {
  const ticks = typeof value === 'string' ? parseDurationTicks(value) : undefined;
  if (ticks === undefined) {
    return fail(invalidProperty(path, value, 'The value must be an ISO-8601 duration such as PT1H or P7D.'));
  }
  if (rule.minMs !== undefined && ticks < BigInt(rule.minMs) * 10_000n) {
    return fail(
      invalidProperty(
        path,
        value,
        `The value must be at least ${formatDurationTicks(BigInt(rule.minMs) * 10_000n)}.`,
      ),
    );
  }
  return { ok: true, value: formatDurationTicks(ticks) };
}

function checkObject(rule: Extract<Rule, { type: 'object' }>, value: unknown, path: string): Step {
  if (!isPlainObject(value)) return fail(invalidProperty(path, value, 'The value must be a JSON object.'));
  const out: Record<string, unknown> = rule.open ? { ...value } : {};
  for (const [name, fieldRule] of Object.entries(rule.fields)) {
    const step = walk(fieldRule, value[name], path === '' ? name : `${path}.${name}`);
    if (!step.ok) return step;
    if (step.value === undefined) delete out[name];
    else out[name] = step.value;
  }
  return { ok: true, value: out };
}

function checkArray(rule: Extract<Rule, { type: 'array' }>, value: unknown, path: string): Step {
  if (!Array.isArray(value)) return fail(invalidProperty(path, value, 'The value must be a JSON array.'));
  if (rule.maxItems !== undefined && value.length > rule.maxItems) {
    return fail(
      invalidProperty(path, `${value.length} items`, `At most ${rule.maxItems} items are allowed.`),
    );
  }
  const out: unknown[] = [];
  for (const [index, item] of value.entries()) {
    const step = walk({ ...rule.items, required: true }, item, `${path}[${index}]`);
    if (!step.ok) return step;
    out.push(step.value);
  }
  return { ok: true, value: out };
}

function checkPresent(rule: Rule, value: unknown, path: string): Step {
  switch (rule.type) {
    case 'string':
      return checkString(rule, value, path);
    case 'id': {
      const reason = validateId(value);
      return reason === undefined ? { ok: true, value } : fail(invalidProperty(path, value, reason));
    }
    case 'int':
      return checkInt(rule, value, path);
    case 'bool':
      return typeof value === 'boolean'
        ? { ok: true, value }
        : fail(invalidProperty(path, value, 'The value must be true or false.'));
    case 'enum':
      return checkEnum(rule, value, path);
    case 'duration':
      return checkDuration(rule, value, path);
    case 'object':
      return checkObject(rule, value, path);
    case 'array':
      return checkArray(rule, value, path);
    case 'opaque': {
      const okShape = rule.shape === 'array' ? Array.isArray(value) : isPlainObject(value);
      const reason = `The value must be a JSON ${rule.shape}.`;
      return okShape ? { ok: true, value } : fail(invalidProperty(path, value, reason));
    }
  }
}

/** Validates and normalises `value` at `path` against `rule`. JSON null counts as absent. */
export function walk(rule: Rule, value: unknown, path: string): Step {
  if (value === undefined || value === null) {
    return rule.required ? fail(missingProperty(path)) : { ok: true, value: undefined };
  }
  const step = checkPresent(rule, value, path);
  if (!step.ok || rule.check === undefined) return step;
  const error = rule.check(step.value as never, path);
  return error ? fail(error) : step;
}

/** Validates a whole request body: it must be a JSON object. */
export function validateBody<T>(fields: Fields, body: unknown, check?: Check): ValidationResult<T> {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      error: {
        code: 'InvalidRequestBody',
        message: ERROR_CATALOG.InvalidRequestBody.message,
        values: [{ key: 'Reason', value: 'The request body must be a JSON object.' }],
      },
    };
  }
  const step = walk(obj(fields, check === undefined ? {} : { check }), body, '');
  return step.ok ? { ok: true, value: step.value as T } : step;
}
