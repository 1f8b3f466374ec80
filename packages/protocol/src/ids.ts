/**
 * Id rules for pools, jobs and tasks: letters, digits, hyphen and underscore, at most 64 characters.
 * Ids are case-preserving but case-insensitive: two ids that differ only in case collide (Azure Batch REST reference).
 */

export const ID_MAX_LENGTH = 64;

export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Returns a human-readable reason when `id` is not a valid Batch id, undefined when it is. */
export function validateId(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'The id must be a string.';
  if (id.length === 0) return 'The id must not be empty.';
  if (id.length > ID_MAX_LENGTH) {
    return `The id is ${id.length} characters long; the maximum is ${ID_MAX_LENGTH}.`;
  }
  if (!ID_PATTERN.test(id)) {
    return 'The id can contain only alphanumeric characters, hyphens and underscores.';
  }
  return undefined;
}

/** The uniqueness key of an id: ids that differ only in case map to the same key. */
export function idKey(id: string): string {
  return id.toLowerCase();
}
