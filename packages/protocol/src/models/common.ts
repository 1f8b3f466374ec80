/**
 * Wire shapes shared by several resources. Date-times are ISO-8601 UTC strings on the wire (up to 7 fractional
 * digits); durations are ISO-8601 duration strings (see `duration.ts`).
 */
import type {
  AccessScope,
  AutoUserScope,
  ContainerWorkingDirectory,
  ElevationLevel,
  ErrorCategory,
  OutputFileUploadCondition,
} from './enums.js';

/** ISO-8601 UTC timestamp, e.g. `2016-09-06T06:59:15.1161429Z`. */
export type DateTimeString = string;

/** ISO-8601 duration, e.g. `PT1H`; `P10675199DT2H48M5.4775807S` means unlimited. */
export type DurationString = string;

/** Objects Batchite accepts and echoes back but does not interpret (VM images, networking, certificates…). */
export type OpaqueObject = Record<string, unknown>;

/** A list page. `odata.nextLink` is an absolute URL and absent on the last page. */
export interface ListResponse<T> {
  'odata.metadata'?: string;
  value: T[];
  'odata.nextLink'?: string;
}

export interface EnvironmentSetting {
  name: string;
  value?: string;
}

export interface MetadataItem {
  name: string;
  value: string;
}

export interface NameValuePair {
  name?: string;
  value?: string;
}

export interface ComputeNodeIdentityReference {
  resourceId?: string;
}

export interface ResourceFile {
  autoStorageContainerName?: string;
  storageContainerUrl?: string;
  httpUrl?: string;
  blobPrefix?: string;
  filePath?: string;
  fileMode?: string;
  identityReference?: ComputeNodeIdentityReference;
}

export interface HttpHeader {
  name: string;
  value?: string;
}

export interface OutputFileBlobContainerDestination {
  path?: string;
  containerUrl: string;
  identityReference?: ComputeNodeIdentityReference;
  uploadHeaders?: HttpHeader[];
}

export interface OutputFile {
  filePattern: string;
  destination: { container?: OutputFileBlobContainerDestination };
  uploadOptions: { uploadCondition: OutputFileUploadCondition };
}

export interface AutoUserSpecification {
  scope?: AutoUserScope;
  elevationLevel?: ElevationLevel;
}

/** Who a task runs as: a pool user account (`userName`) or an auto-user; the two are mutually exclusive. */
export interface UserIdentity {
  userName?: string;
  autoUser?: AutoUserSpecification;
}

export interface LinuxUserConfiguration {
  uid?: number;
  gid?: number;
  sshPrivateKey?: string;
}

/** A pool's `userAccounts` item: an OS account created on every node of the pool. */
export interface UserAccount {
  name: string;
  password: string;
  elevationLevel?: ElevationLevel;
  linuxUserConfiguration?: LinuxUserConfiguration;
  windowsUserConfiguration?: { loginMode?: string };
}

export interface ApplicationPackageReference {
  applicationId: string;
  version?: string;
}

export interface AuthenticationTokenSettings {
  access?: AccessScope[];
}

export interface ContainerRegistry {
  userName?: string;
  password?: string;
  registryServer?: string;
  identityReference?: ComputeNodeIdentityReference;
}

export interface TaskContainerSettings {
  containerRunOptions?: string;
  imageName: string;
  registry?: ContainerRegistry;
  workingDirectory?: ContainerWorkingDirectory;
}

export interface TaskContainerExecutionInformation {
  containerId?: string;
  state?: string;
  error?: string;
}

/** An error inside a resource (job scheduling error, task failure): not an HTTP error body. */
export interface TaskFailureInformation {
  category: ErrorCategory;
  code?: string;
  message?: string;
  details?: NameValuePair[];
}

/** Where a task ran (CloudTask.nodeInfo, SubtaskInformation.nodeInfo). */
export interface ComputeNodeInformation {
  affinityId?: string;
  nodeUrl?: string;
  poolId?: string;
  nodeId?: string;
  taskRootDirectory?: string;
  taskRootDirectoryUrl?: string;
}
