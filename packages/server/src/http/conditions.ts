import type { FastifyRequest } from 'fastify';
import { apiError } from './api-error.js';
import { header } from './request-context.js';

export interface Versioned {
  eTag?: string;
  lastModified?: string | Date;
}

/** `read` conditions fail with 304, `write` conditions with 412 ConditionNotMet (Azure Batch REST reference). */
export type ConditionKind = 'read' | 'write';

function etagList(value: string): string[] {
  return value.split(',').map((part) =>
    part
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
}

function seconds(value: string | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

function dateHeader(request: FastifyRequest, name: string): number | undefined {
  const text = header(request, name);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw apiError('InvalidHeaderValue', {
      values: [
        { key: 'HeaderName', value: name },
        { key: 'HeaderValue', value: text },
      ],
    });
  }
  return Math.floor(ms / 1000);
}

/** Throws when a conditional header does not hold for the resource's current version. */
export function checkConditions(request: FastifyRequest, current: Versioned, kind: ConditionKind): void {
  const failed = () =>
    apiError('ConditionNotMet', {
      status: kind === 'read' ? 304 : 412,
      headers: current.eTag === undefined ? {} : { etag: current.eTag },
    });
  const ifMatch = header(request, 'if-match');
  if (ifMatch !== undefined) {
    const tags = etagList(ifMatch);
    if (!tags.includes('*') && !tags.includes(current.eTag ?? '')) {
      throw apiError('ConditionNotMet', { status: 412 });
    }
  }
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    const tags = etagList(ifNoneMatch);
    if (tags.includes('*') || tags.includes(current.eTag ?? '')) throw failed();
  }
  const modified = seconds(current.lastModified);
  const ifModifiedSince = dateHeader(request, 'if-modified-since');
  if (ifModifiedSince !== undefined && modified !== undefined && modified <= ifModifiedSince) throw failed();
  const ifUnmodifiedSince = dateHeader(request, 'if-unmodified-since');
  if (ifUnmodifiedSince !== undefined && modified !== undefined && modified > ifUnmodifiedSince) {
    throw apiError('ConditionNotMet', { status: 412 });
  }
}
