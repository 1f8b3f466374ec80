/**
 * `$select`: a comma-separated list of top-level property names. Names match case-insensitively;
 * `odata.metadata` is never copied (the server adds its own).
 */
import { FilterError } from './odata-filter-types.js';

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a `$select` value into distinct property names (empty when it lists none, meaning "all");
 * throws `FilterError` for anything but plain names.
 */
export function parseSelect(text: string): string[] {
  const names: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (!PROPERTY_NAME.test(name)) {
      throw new FilterError(
        `'${name}' in $select is not a top-level property name; list names like id,state.`,
      );
    }
    if (!names.some((known) => known.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return names;
}

/** A copy of `entity` with only the selected top-level properties (all of them when `properties` is empty). */
export function applySelect<T extends object>(entity: T, properties: readonly string[]): Partial<T> {
  const wanted = new Set(properties.map((name) => name.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (key === 'odata.metadata') continue;
    if (wanted.size === 0 || wanted.has(key.toLowerCase())) out[key] = value;
  }
  return out as Partial<T>;
}
