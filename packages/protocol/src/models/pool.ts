/** Pool wire models (subset of the Batch API used by Batchite; unmodelled parts are `OpaqueObject`). */
import type { AutoScaleRun } from '../autoscale.js';
import type {
  ApplicationPackageReference,
  DateTimeString,
  DurationString,
  EnvironmentSetting,
  MetadataItem,
  NameValuePair,
  OpaqueObject,
  UserAccount,
  ResourceFile,
  TaskContainerSettings,
  UserIdentity,
} from './common.js';
import type {
  AllocationState,
  ComputeNodeDeallocationOption,
  ComputeNodeFillType,
  NodeCommunicationMode,
  PoolState,
} from './enums.js';

export interface ImageReference {
  publisher?: string;
  offer?: string;
  sku?: string;
  version?: string;
  virtualMachineImageId?: string;
  /** Read-only, set by the service. */
  exactVersion?: string;
}

export interface VirtualMachineConfiguration {
  imageReference: ImageReference;
  nodeAgentSKUId: string;
  windowsConfiguration?: OpaqueObject;
  dataDisks?: OpaqueObject[];
  licenseType?: string;
  containerConfiguration?: OpaqueObject;
  diskEncryptionConfiguration?: OpaqueObject;
  nodePlacementConfiguration?: OpaqueObject;
  extensions?: OpaqueObject[];
  osDisk?: OpaqueObject;
}

export interface CloudServiceConfiguration {
  osFamily: string;
  osVersion?: string;
}

export interface StartTask {
  commandLine: string;
  containerSettings?: TaskContainerSettings;
  resourceFiles?: ResourceFile[];
  environmentSettings?: EnvironmentSetting[];
  userIdentity?: UserIdentity;
  maxTaskRetryCount?: number;
  waitForSuccess?: boolean;
}

export interface TaskSchedulingPolicy {
  nodeFillType: ComputeNodeFillType;
}

export interface ResizeError {
  code?: string;
  message?: string;
  values?: NameValuePair[];
}

/** Body of POST /pools. */
export interface PoolAddParameter {
  id: string;
  displayName?: string;
  vmSize: string;
  cloudServiceConfiguration?: CloudServiceConfiguration;
  virtualMachineConfiguration?: VirtualMachineConfiguration;
  resizeTimeout?: DurationString;
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  enableAutoScale?: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: DurationString;
  enableInterNodeCommunication?: boolean;
  networkConfiguration?: OpaqueObject;
  startTask?: StartTask;
  certificateReferences?: OpaqueObject[];
  applicationPackageReferences?: ApplicationPackageReference[];
  applicationLicenses?: string[];
  taskSlotsPerNode?: number;
  taskSchedulingPolicy?: TaskSchedulingPolicy;
  userAccounts?: UserAccount[];
  metadata?: MetadataItem[];
  mountConfiguration?: OpaqueObject[];
  targetNodeCommunicationMode?: NodeCommunicationMode;
}

/** A pool as returned by GET /pools/{poolId} and in list pages. */
export interface CloudPool {
  id?: string;
  displayName?: string;
  url?: string;
  eTag?: string;
  lastModified?: DateTimeString;
  creationTime?: DateTimeString;
  state?: PoolState;
  stateTransitionTime?: DateTimeString;
  allocationState?: AllocationState;
  allocationStateTransitionTime?: DateTimeString;
  vmSize?: string;
  cloudServiceConfiguration?: CloudServiceConfiguration;
  virtualMachineConfiguration?: VirtualMachineConfiguration;
  resizeTimeout?: DurationString;
  resizeErrors?: ResizeError[];
  currentDedicatedNodes?: number;
  currentLowPriorityNodes?: number;
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  enableAutoScale?: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: DurationString;
  autoScaleRun?: AutoScaleRun;
  enableInterNodeCommunication?: boolean;
  networkConfiguration?: OpaqueObject;
  startTask?: StartTask;
  certificateReferences?: OpaqueObject[];
  applicationPackageReferences?: ApplicationPackageReference[];
  applicationLicenses?: string[];
  taskSlotsPerNode?: number;
  taskSchedulingPolicy?: TaskSchedulingPolicy;
  userAccounts?: UserAccount[];
  metadata?: MetadataItem[];
  stats?: PoolStatistics;
  mountConfiguration?: OpaqueObject[];
  identity?: OpaqueObject;
  targetNodeCommunicationMode?: NodeCommunicationMode;
  currentNodeCommunicationMode?: NodeCommunicationMode;
}

/** Body of POST /pools/{poolId}/resize. */
export interface PoolResizeParameter {
  targetDedicatedNodes?: number;
  targetLowPriorityNodes?: number;
  /** Default PT15M; at least 5 minutes. */
  resizeTimeout?: DurationString;
  /** Default `requeue`. */
  nodeDeallocationOption?: ComputeNodeDeallocationOption;
}

/** Body of PATCH /pools/{poolId}: each property present replaces the pool's; absent ones are kept. */
export interface PoolPatchParameter {
  startTask?: StartTask;
  certificateReferences?: OpaqueObject[];
  applicationPackageReferences?: ApplicationPackageReference[];
  metadata?: MetadataItem[];
  targetNodeCommunicationMode?: NodeCommunicationMode;
}

/** Body of POST /pools/{poolId}/updateproperties: replaces all updatable properties (absent start task: none). */
export interface PoolUpdatePropertiesParameter {
  startTask?: StartTask;
  certificateReferences: OpaqueObject[];
  applicationPackageReferences: ApplicationPackageReference[];
  metadata: MetadataItem[];
  targetNodeCommunicationMode?: NodeCommunicationMode;
}

/** Body of POST /pools/{poolId}/removenodes. */
export interface NodeRemoveParameter {
  /** 1–100 node ids of the pool. */
  nodeList: string[];
  /** Default PT15M; at least 5 minutes. */
  resizeTimeout?: DurationString;
  /** Default `requeue`. */
  nodeDeallocationOption?: ComputeNodeDeallocationOption;
}

/** `$expand=stats` on a pool, and `GET /lifetimepoolstats`. */
export interface PoolStatistics {
  url: string;
  startTime: DateTimeString;
  lastUpdateTime: DateTimeString;
  usageStats?: UsageStatistics;
  resourceStats?: ResourceStatistics;
}

export interface UsageStatistics {
  startTime: DateTimeString;
  lastUpdateTime: DateTimeString;
  dedicatedCoreTime: DurationString;
}

export interface ResourceStatistics {
  startTime: DateTimeString;
  lastUpdateTime: DateTimeString;
  avgCPUPercentage: number;
  avgMemoryGiB: number;
  peakMemoryGiB: number;
  avgDiskGiB: number;
  peakDiskGiB: number;
  diskReadIOps: number;
  diskWriteIOps: number;
  diskReadGiB: number;
  diskWriteGiB: number;
  networkReadGiB: number;
  networkWriteGiB: number;
}
