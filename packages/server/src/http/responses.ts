import type { FastifyReply, FastifyRequest } from 'fastify';
import { applySelect, entityForVersion, parseSelect, type VersionedEntity } from '@batchite/protocol';
import { apiError } from './api-error.js';
import { requestApiVersion } from './api-version.js';
import type { Versioned } from './conditions.js';
import { baseUrl, queryParams, setJsonHeaders } from './request-context.js';

/** Entity sets as they appear in `odata.metadata` and resource URLs. */
export type EntitySet =
  | 'pools'
  | 'nodes'
  | 'jobs'
  | 'jobschedules'
  | 'tasks'
  | 'files'
  | 'subtasksinfo'
  | 'taskcounts'
  | 'taskaddresult'
  | 'jobpreparationandreleasetaskstatuslist'
  | 'poolnodecounts'
  | 'poolusagemetrics'
  | 'supportedimages'
  | 'nodeagentskus'
  | 'applications'
  | 'certificates';

export function metadataUrl(request: FastifyRequest, set: EntitySet, element: boolean): string {
  return `${baseUrl(request)}/$metadata#${set}${element ? '/@Element' : ''}`;
}

/** Absolute URL of a resource path such as `/jobs/j1`. */
export function resourceUrl(request: FastifyRequest, path: string): string {
  return `${baseUrl(request)}${path}`;
}

export function versionHeaders(reply: FastifyReply, entity: Versioned): void {
  if (entity.eTag !== undefined) reply.header('etag', entity.eTag);
  if (entity.lastModified !== undefined) {
    reply.header('last-modified', new Date(entity.lastModified).toUTCString());
  }
}

/** The `$select` list, if any. */
export function selection(request: FastifyRequest): string[] | undefined {
  const select = queryParams(request).get('$select');
  if (select === null || select.trim() === '') return undefined;
  try {
    return parseSelect(select);
  } catch (error) {
    throw apiError('InvalidQueryParameterValue', {
      values: [
        { key: 'QueryParameterName', value: '$select' },
        { key: 'QueryParameterValue', value: select },
        { key: 'Reason', value: (error as Error).message },
      ],
    });
  }
}

const VERSIONED_SETS: ReadonlySet<EntitySet> = new Set<VersionedEntity>([
  'pools',
  'nodes',
  'jobs',
  'jobschedules',
  'tasks',
  'taskcounts',
  'poolnodecounts',
]);

/** The entity in the shape of the request's api-version (`api-version-differences.ts` in the protocol). */
export function versionShaped(request: FastifyRequest, set: EntitySet, entity: object): object {
  if (!VERSIONED_SETS.has(set)) return entity;
  return entityForVersion(set as VersionedEntity, entity, requestApiVersion(request));
}

/** `$select` applies to the names the request's version uses (`maxTasksPerNode` before 2020-09-01.12.0). */
function project(
  request: FastifyRequest,
  set: EntitySet,
  entity: object,
  select: string[] | undefined,
): object {
  const shaped = versionShaped(request, set, entity);
  return select === undefined ? shaped : applySelect(shaped, select);
}

/** 200 with one entity: ETag / Last-Modified headers, `odata.metadata`, `$select` applied. */
export function sendEntity<E extends Versioned & object>(
  request: FastifyRequest,
  reply: FastifyReply,
  set: EntitySet,
  entity: E,
): FastifyReply {
  versionHeaders(reply, entity);
  setJsonHeaders(reply);
  const body = {
    'odata.metadata': metadataUrl(request, set, true),
    ...project(request, set, entity, selection(request)),
  };
  return reply.code(200).send(JSON.stringify(body));
}

/** 200 with a page of entities and, when more may follow, an absolute `odata.nextLink`. */
export function sendList(
  request: FastifyRequest,
  reply: FastifyReply,
  set: EntitySet,
  items: readonly object[],
  nextLink: string | undefined,
): FastifyReply {
  setJsonHeaders(reply);
  const select = selection(request);
  const body: Record<string, unknown> = {
    'odata.metadata': metadataUrl(request, set, false),
    value: items.map((item) => project(request, set, item, select)),
  };
  if (nextLink !== undefined) body['odata.nextLink'] = nextLink;
  return reply.code(200).send(JSON.stringify(body));
}

/** A write's answer: status, no body, ETag / Last-Modified and `DataServiceId` when the operation has them. */
export function sendWrite(
  reply: FastifyReply,
  status: 200 | 201 | 202 | 204,
  options: { entity?: Versioned; dataServiceId?: string } = {},
): FastifyReply {
  if (options.entity !== undefined) versionHeaders(reply, options.entity);
  if (options.dataServiceId !== undefined) {
    reply.header('dataserviceid', options.dataServiceId);
    if (status === 201) reply.header('location', options.dataServiceId);
  }
  reply.header('content-length', '0');
  return reply.code(status).send();
}
