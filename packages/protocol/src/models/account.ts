/**
 * Wire models of the account-level operations (Azure Batch REST API: Account_ListPoolNodeCounts,
 * Account_ListSupportedImages, Pool_ListUsageMetrics, Application_List / Application_Get).
 */
import type { ImageReference } from './pool.js';

/**
 * Nodes of one priority of a pool per state (`NodeCounts`). `upgradingOS` exists from api-version
 * 2023-05-01.17.0, `deallocated` and `deallocating` from 2024-07-01.20.0.
 */
export interface NodeCounts {
  creating: number;
  idle: number;
  offline: number;
  preempted: number;
  rebooting: number;
  reimaging: number;
  running: number;
  starting: number;
  startTaskFailed: number;
  leavingPool: number;
  unknown: number;
  unusable: number;
  waitingForStartTask: number;
  upgradingOS?: number;
  deallocated?: number;
  deallocating?: number;
  total: number;
}

export interface PoolNodeCounts {
  poolId: string;
  dedicated?: NodeCounts;
  lowPriority?: NodeCounts;
}

export interface PoolUsageMetrics {
  poolId: string;
  startTime: string;
  endTime: string;
  vmSize: string;
  totalCoreHours: number;
}

export const OS_TYPES = ['linux', 'windows'] as const;
export const VERIFICATION_TYPES = ['verified', 'unverified'] as const;

export interface ImageInformation {
  nodeAgentSKUId: string;
  imageReference: ImageReference;
  osType: (typeof OS_TYPES)[number];
  capabilities?: string[];
  batchSupportEndOfLife?: string;
  verificationType: (typeof VERIFICATION_TYPES)[number];
}

/**
 * A node agent SKU and the images verified for it: the answer of `GET /nodeagentskus` (Account_ListNodeAgentSkus),
 * which api-versions up to 2018-12-01.8.0 use where later ones list supported images.
 */
export interface NodeAgentSku {
  id: string;
  verifiedImageReferences: ImageReference[];
  osType: (typeof OS_TYPES)[number];
}

export interface ApplicationSummary {
  id: string;
  displayName: string;
  versions: string[];
}
