/**
 * The `preProcessingError` of an agent's report (a resource file that could not be downloaded), read
 * defensively: the agent is trusted to report, not to put arbitrary data into the task's `failureInfo`.
 */
import type { PreProcessingError } from '@batchite/protocol';

const MAX_TEXT = 1024;
const MAX_DETAILS = 10;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : undefined;
}

/** The error of a report body, or undefined when the body has none (or a malformed one: never trusted). */
export function readPreProcessingError(value: unknown): PreProcessingError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as Record<string, unknown>;
  const category = raw.category === 'servererror' ? 'servererror' : 'usererror';
  const code = text(raw.code);
  if (code === undefined || !/^[A-Za-z]+$/.test(code)) return undefined;
  const error: PreProcessingError = { category, code, message: text(raw.message) ?? code };
  if (Array.isArray(raw.details)) {
    const details = (raw.details as unknown[]).slice(0, MAX_DETAILS).flatMap((entry) => {
      const pair = entry as { name?: unknown; value?: unknown } | null;
      const name = text(pair?.name);
      const detail = text(pair?.value);
      return name === undefined || detail === undefined ? [] : [{ name, value: detail }];
    });
    if (details.length > 0) error.details = details;
  }
  return error;
}
