import { ERROR_CATALOG, type BatchErrorCode, type ErrorDetail } from '@batchite/protocol';

/**
 * The one error type the HTTP layer turns into a Batch error body. Everything else that escapes a handler becomes
 * 500 InternalError. Build instances with `apiError(code, …)` so status and default message come from the catalog.
 */
export class ApiError extends Error {
  constructor(
    readonly code: BatchErrorCode,
    readonly status: number,
    message: string,
    readonly values: readonly ErrorDetail[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiErrorOptions {
  message?: string;
  values?: readonly ErrorDetail[];
  headers?: Record<string, string>;
  /** Overrides the catalog status (ConditionNotMet is 304 on reads, 412 on writes). */
  status?: number;
}

export function apiError(code: BatchErrorCode, options: ApiErrorOptions = {}): ApiError {
  const spec = ERROR_CATALOG[code];
  return new ApiError(
    code,
    options.status ?? spec.status,
    options.message ?? spec.message,
    options.values ?? [],
    options.headers ?? {},
  );
}

/** `values` entries for a property problem, in the order the real service sends them. */
export function propertyValues(
  name: string,
  value?: string | number | boolean,
  reason?: string,
): ErrorDetail[] {
  const values: ErrorDetail[] = [{ key: 'PropertyName', value: name }];
  if (value !== undefined) values.push({ key: 'PropertyValue', value: String(value) });
  if (reason !== undefined) values.push({ key: 'Reason', value: reason });
  return values;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
