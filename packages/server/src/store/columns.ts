/**
 * The column values each adapter derives from a document (the JSON stays the source of truth; columns exist to
 * index, count and schedule). Shared by the SQLite and PostgreSQL adapters so both index the same things.
 */
import { idKey } from '@batchite/protocol';
import type { JobDoc, NodeDoc, TaskDoc } from './documents.js';

export function leaseNodeKey(poolId: string, nodeId: string): string {
  return `${idKey(poolId)}/${idKey(nodeId)}`;
}

export function jobColumns(doc: JobDoc) {
  const poolId = doc.entity.poolInfo?.poolId;
  return {
    key: idKey(doc.entity.id),
    state: doc.entity.state ?? 'active',
    pool_key: poolId === undefined ? null : idKey(poolId),
    priority: doc.entity.priority ?? 0,
    doc: JSON.stringify(doc),
  };
}

export function nodeColumns(doc: NodeDoc) {
  return {
    pool_key: idKey(doc.poolId),
    key: idKey(doc.entity.id),
    lease_expires: doc.internal.leaseExpiresAt ?? null,
    doc: JSON.stringify(doc),
  };
}

export function taskColumns(jobKey: string, doc: TaskDoc) {
  const { entity, internal } = doc;
  return {
    job_key: jobKey,
    key: idKey(entity.id),
    state: entity.state ?? 'active',
    result: entity.executionInfo?.result ?? null,
    // What the task holds on its node while it runs (an exclusive run holds them all), else what it asks for.
    slots: internal.lease?.slots ?? entity.requiredSlots ?? 1,
    lease_node:
      internal.lease === undefined ? null : leaseNodeKey(internal.lease.poolId, internal.lease.nodeId),
    not_before: internal.notBefore ?? null,
    doc: JSON.stringify(doc),
  };
}

export type TaskColumns = ReturnType<typeof taskColumns>;
