/**
 * Request bodies of the pool update operations (Azure Batch REST reference: Pool - Patch, Pool - Update
 * Properties, Pool - Remove Nodes). The updatable properties are those of pool add, with the same rules.
 */
import { COMPUTE_NODE_DEALLOCATION_OPTIONS } from '../models/enums.js';
import { POOL_SPECIFICATION_FIELDS } from './bodies.js';
import type { Fields, Rule } from './schema.js';
import { arr, duration, oneOf, req, str } from './schema.js';

/** Most nodes one removenodes request may name (Batch's limit). */
export const MAX_NODES_PER_REMOVE = 100;

const MINUTE_MS = 60_000;

function poolField(name: string): Rule {
  const rule = POOL_SPECIFICATION_FIELDS[name];
  if (rule === undefined) throw new Error(`pool add has no field ${name}`);
  return rule;
}

export const POOL_PATCH_FIELDS: Fields = {
  startTask: poolField('startTask'),
  certificateReferences: poolField('certificateReferences'),
  applicationPackageReferences: poolField('applicationPackageReferences'),
  metadata: poolField('metadata'),
  targetNodeCommunicationMode: poolField('targetNodeCommunicationMode'),
};

export const POOL_UPDATE_PROPERTIES_FIELDS: Fields = {
  ...POOL_PATCH_FIELDS,
  certificateReferences: req(poolField('certificateReferences')),
  applicationPackageReferences: req(poolField('applicationPackageReferences')),
  metadata: req(poolField('metadata')),
};

export const NODE_REMOVE_FIELDS: Fields = {
  nodeList: req(arr(req(str({ nonEmpty: true })), { maxItems: MAX_NODES_PER_REMOVE })),
  resizeTimeout: duration({ minMs: 5 * MINUTE_MS }),
  nodeDeallocationOption: oneOf(COMPUTE_NODE_DEALLOCATION_OPTIONS),
};
