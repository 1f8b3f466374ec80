/**
 * Request-body schemas of the Batch operations Batchite serves, as tables (see `schema.ts` for the DSL).
 * Limits come from the Azure Batch REST API reference (Job - Add, Task - Add): priority -1000..1000, maxTaskRetryCount ≥ -1, requiredSlots ≥ 1,
 * maxParallelTasks -1 or ≥ 1, node counts ≥ 0, taskSlotsPerNode 1..256, resizeTimeout ≥ 5 minutes.
 *
 * Batchite leniency: a pool needs no `virtualMachineConfiguration`/`cloudServiceConfiguration` (local nodes have no
 * image); when one is given it must have its required parts. Sub-objects Batchite does not interpret are `opaque`.
 */
import { ERROR_CATALOG } from '../errors.js';
import {
  COMPUTE_NODE_DEALLOCATION_OPTIONS,
  COMPUTE_NODE_FILL_TYPES,
  CONTAINER_WORKING_DIRECTORIES,
  DEPENDENCY_ACTIONS,
  DISABLE_JOB_OPTIONS,
  JOB_ACTIONS,
  NODE_COMMUNICATION_MODES,
  ON_ALL_TASKS_COMPLETE,
  ON_TASK_FAILURE,
  POOL_LIFETIME_OPTIONS,
  AUTHENTICATION_TOKEN_ACCESS,
  AUTO_USER_SCOPES,
  ELEVATION_LEVELS,
} from '../models/enums.js';
import type {
  LinuxUserConfiguration,
  PoolInformation,
  TaskAddParameter,
  TaskDependencies,
  UserAccount,
  UserIdentity,
} from '../models/index.js';
import type { Check, Fields, ValidationError } from './schema.js';
import { outputFiles } from './output-files.js';
import { resourceFiles } from './resource-files.js';
import {
  arr,
  bool,
  duration,
  id,
  int,
  invalidProperty,
  missingProperty,
  obj,
  oneOf,
  opaque,
  req,
  str,
  withCheck,
} from './schema.js';

const MINUTE_MS = 60_000;
/**
 * Total characters of `dependsOn.taskIds`; more is `TaskDependencyListTooLong` (Batch API docs, TaskDependencies).
 */
export const MAX_DEPENDENCY_ID_CHARS = 64_000;
/**
 * Characters of `dependsOn.taskIdRanges` serialized as JSON; more is `TaskDependencyRangesTooLong`. Batch names the
 * error ("too long to be stored") without publishing the number; Batchite applies the task-id limit to the ranges.
 */
export const MAX_DEPENDENCY_RANGE_CHARS = 64_000;
/** Most tasks in one addtaskcollection request (Azure Batch REST reference). */
export const MAX_TASKS_PER_COLLECTION = 100;

const startNotAfterEnd: Check = (range: { start: number; end: number }, path) =>
  range.start <= range.end
    ? undefined
    : invalidProperty(
        `${path}.end`,
        range.end,
        `The end (${range.end}) must not be less than the start (${range.start}).`,
      );

const exactlyOnePool: Check = (info: PoolInformation, path) => {
  if (info.poolId === undefined && info.autoPoolSpecification === undefined)
    return missingProperty(`${path}.poolId`);
  if (info.poolId !== undefined && info.autoPoolSpecification !== undefined) {
    return invalidProperty(path, info, 'Specify either poolId or autoPoolSpecification, not both.');
  }
  return undefined;
};

function tooLong(
  code: 'TaskDependencyListTooLong' | 'TaskDependencyRangesTooLong',
  path: string,
  reason: string,
): ValidationError {
  return {
    code,
    message: ERROR_CATALOG[code].message,
    values: [
      { key: 'PropertyName', value: path },
      { key: 'Reason', value: reason },
    ],
  };
}

const dependencyListLength: Check = (deps: TaskDependencies, path): ValidationError | undefined => {
  const chars = (deps.taskIds ?? []).reduce((sum, taskId) => sum + taskId.length, 0);
  if (chars > MAX_DEPENDENCY_ID_CHARS) {
    return tooLong(
      'TaskDependencyListTooLong',
      `${path}.taskIds`,
      `The task ids total ${chars} characters; the maximum is ${MAX_DEPENDENCY_ID_CHARS}.`,
    );
  }
  const rangeChars = deps.taskIdRanges === undefined ? 0 : JSON.stringify(deps.taskIdRanges).length;
  if (rangeChars > MAX_DEPENDENCY_RANGE_CHARS) {
    return tooLong(
      'TaskDependencyRangesTooLong',
      `${path}.taskIdRanges`,
      `The task id ranges take ${rangeChars} characters; the maximum is ${MAX_DEPENDENCY_RANGE_CHARS}.`,
    );
  }
  return undefined;
};

const environmentSettings = arr(obj({ name: req(str({ nonEmpty: true })), value: str() }));
const metadata = arr(obj({ name: req(str({ nonEmpty: true })), value: req(str()) }));
const maxTaskRetryCount = int({ min: -1 });

/** Batch: "The userName and autoUser properties are mutually exclusive; you must specify one but not both." */
const oneIdentity: Check = (identity: UserIdentity, path) =>
  identity.userName !== undefined && identity.autoUser !== undefined
    ? invalidProperty(path, identity, 'Specify either userName or autoUser, not both.')
    : undefined;

const userIdentity = withCheck(
  obj({
    userName: str({ nonEmpty: true }),
    autoUser: obj({ scope: oneOf(AUTO_USER_SCOPES), elevationLevel: oneOf(ELEVATION_LEVELS) }),
  }),
  oneIdentity,
);

/** Batchite nodes are Linux: a user account name must be a portable Linux user name (at most 20 characters). */
const LINUX_USER_NAME = /^[a-z_][a-z0-9_-]{0,19}$/;

const userAccountName: Check = (account: UserAccount, path) =>
  LINUX_USER_NAME.test(account.name)
    ? undefined
    : invalidProperty(
        `${path}.name`,
        account.name,
        'A user name is 1-20 lowercase letters, digits, _ or -, and starts with a letter or _.',
      );

const uidAndGid: Check = (linux: LinuxUserConfiguration, path) =>
  (linux.uid === undefined) === (linux.gid === undefined)
    ? undefined
    : invalidProperty(path, linux, 'Specify both uid and gid, or neither.');

const userAccount = withCheck(
  obj({
    name: req(str({ nonEmpty: true })),
    password: req(str({ nonEmpty: true })),
    elevationLevel: oneOf(ELEVATION_LEVELS),
    linuxUserConfiguration: withCheck(
      obj({ uid: int({ min: 1 }), gid: int({ min: 1 }), sshPrivateKey: str() }),
      uidAndGid,
    ),
    windowsUserConfiguration: opaque(),
  }),
  userAccountName,
);

const uniqueUserNames: Check = (accounts: UserAccount[], path) => {
  const seen = new Set<string>();
  for (const [index, account] of accounts.entries()) {
    if (seen.has(account.name))
      return invalidProperty(`${path}[${index}].name`, account.name, 'User account names must be unique.');
    seen.add(account.name);
  }
  return undefined;
};

const containerSettings = obj(
  { imageName: req(str({ nonEmpty: true })), workingDirectory: oneOf(CONTAINER_WORKING_DIRECTORIES) },
  { open: true },
);

const taskConstraints = obj({
  maxWallClockTime: duration(),
  retentionTime: duration(),
  maxTaskRetryCount,
});

const jobConstraints = obj({ maxWallClockTime: duration(), maxTaskRetryCount });

const exitOptions = obj({ jobAction: oneOf(JOB_ACTIONS), dependencyAction: oneOf(DEPENDENCY_ACTIONS) });

const exitConditions = obj({
  exitCodes: arr(obj({ code: req(int()), exitOptions: req(exitOptions) })),
  exitCodeRanges: arr(
    withCheck(obj({ start: req(int()), end: req(int()), exitOptions: req(exitOptions) }), startNotAfterEnd),
  ),
  preProcessingError: exitOptions,
  fileUploadError: exitOptions,
  default: exitOptions,
});

const taskIdRange = withCheck(
  obj({ start: req(int({ min: 0 })), end: req(int({ min: 0 })) }),
  startNotAfterEnd,
);

const dependsOn = withCheck(
  obj({ taskIds: arr(id()), taskIdRanges: arr(taskIdRange) }),
  dependencyListLength,
);

/** Fields every task-like object shares (task add, job manager task). */
const taskCommon: Fields = {
  displayName: str({ maxLength: 1024 }),
  commandLine: req(str({ nonEmpty: true })),
  containerSettings,
  resourceFiles,
  outputFiles,
  environmentSettings,
  constraints: taskConstraints,
  requiredSlots: int({ min: 1 }),
  userIdentity,
  applicationPackageReferences: arr(opaque()),
  authenticationTokenSettings: obj({ access: arr(oneOf(AUTHENTICATION_TOKEN_ACCESS)) }),
};

export const TASK_ADD_FIELDS: Fields = {
  ...taskCommon,
  id: req(id()),
  exitConditions,
  affinityInfo: obj({ affinityId: req(str({ nonEmpty: true })) }),
  multiInstanceSettings: obj({
    numberOfInstances: int({ min: 1 }),
    coordinationCommandLine: req(str()),
    commonResourceFiles: resourceFiles,
  }),
  dependsOn,
};

/**
 * Rules across a task's fields. Batch runs the primary and every subtask of a multi-instance task in one slot
 * ("requiredSlots … must be 1 for multi-instance tasks", Batch docs "Run tasks concurrently").
 */
export const taskAddCheck: Check = (task: TaskAddParameter, path) =>
  task.multiInstanceSettings !== undefined && (task.requiredSlots ?? 1) !== 1
    ? invalidProperty(
        path === '' ? 'requiredSlots' : `${path}.requiredSlots`,
        task.requiredSlots,
        'A multi-instance task must have requiredSlots 1.',
      )
    : undefined;

export const TASK_UPDATE_FIELDS: Fields = { constraints: taskConstraints };

export const TASK_ADD_COLLECTION_FIELDS: Fields = {
  value: req(arr(req(obj(TASK_ADD_FIELDS, { check: taskAddCheck })), { maxItems: MAX_TASKS_PER_COLLECTION })),
};

const startTask = obj(
  {
    commandLine: req(str({ nonEmpty: true })),
    containerSettings,
    resourceFiles,
    environmentSettings,
    userIdentity,
    maxTaskRetryCount,
    waitForSuccess: bool(),
  },
  { open: true },
);

const virtualMachineConfiguration = obj(
  { imageReference: req(opaque()), nodeAgentSKUId: req(str({ nonEmpty: true })) },
  { open: true },
);

/** Pool settings shared by pool add and an auto pool's `pool` (which has no id); pool updates pick from it. */
export const POOL_SPECIFICATION_FIELDS: Fields = {
  displayName: str({ maxLength: 1024 }),
  vmSize: req(str({ nonEmpty: true })),
  cloudServiceConfiguration: obj({ osFamily: req(str()), osVersion: str() }),
  virtualMachineConfiguration,
  resizeTimeout: duration({ minMs: 5 * MINUTE_MS }),
  targetDedicatedNodes: int({ min: 0 }),
  targetLowPriorityNodes: int({ min: 0 }),
  enableAutoScale: bool(),
  autoScaleFormula: str(),
  autoScaleEvaluationInterval: duration({ minMs: 5 * MINUTE_MS }),
  enableInterNodeCommunication: bool(),
  networkConfiguration: opaque(),
  startTask,
  certificateReferences: arr(opaque()),
  applicationPackageReferences: arr(opaque()),
  applicationLicenses: arr(str()),
  taskSlotsPerNode: int({ min: 1, max: 256 }),
  taskSchedulingPolicy: obj({ nodeFillType: req(oneOf(COMPUTE_NODE_FILL_TYPES)) }),
  userAccounts: arr(userAccount, { check: uniqueUserNames }),
  metadata,
  mountConfiguration: arr(opaque()),
  targetNodeCommunicationMode: oneOf(NODE_COMMUNICATION_MODES),
};

export const POOL_ADD_FIELDS: Fields = { id: req(id()), ...POOL_SPECIFICATION_FIELDS };

export const POOL_RESIZE_FIELDS: Fields = {
  targetDedicatedNodes: int({ min: 0 }),
  targetLowPriorityNodes: int({ min: 0 }),
  resizeTimeout: duration({ minMs: 5 * MINUTE_MS }),
  nodeDeallocationOption: oneOf(COMPUTE_NODE_DEALLOCATION_OPTIONS),
};

const poolInfo = withCheck(
  obj({
    poolId: id(),
    autoPoolSpecification: obj(
      {
        autoPoolIdPrefix: str({ maxLength: 20 }),
        poolLifetimeOption: req(oneOf(POOL_LIFETIME_OPTIONS)),
        keepAlive: bool(),
        pool: obj(POOL_SPECIFICATION_FIELDS),
      },
      { open: true },
    ),
  }),
  exactlyOnePool,
);

const jobPreparationTask = obj(
  {
    id: id(),
    commandLine: req(str({ nonEmpty: true })),
    containerSettings,
    resourceFiles,
    environmentSettings,
    constraints: taskConstraints,
    waitForSuccess: bool(),
    userIdentity,
    rerunOnNodeRebootAfterSuccess: bool(),
  },
  { open: true },
);

const jobReleaseTask = obj(
  {
    id: id(),
    commandLine: req(str({ nonEmpty: true })),
    containerSettings,
    resourceFiles,
    environmentSettings,
    maxWallClockTime: duration(),
    retentionTime: duration(),
    userIdentity,
  },
  { open: true },
);

const jobManagerTask = obj(
  {
    ...taskCommon,
    id: req(id()),
    killJobOnCompletion: bool(),
    runExclusive: bool(),
    allowLowPriorityNode: bool(),
  },
  { open: true },
);

/** Properties PATCH and PUT share; PUT additionally requires poolInfo. */
const jobMutable: Fields = {
  priority: int({ min: -1000, max: 1000 }),
  maxParallelTasks: int({ min: -1, exclude: [0] }),
  allowTaskPreemption: bool(),
  onAllTasksComplete: oneOf(ON_ALL_TASKS_COMPLETE),
  constraints: jobConstraints,
  poolInfo,
  metadata,
};

export const JOB_ADD_FIELDS: Fields = {
  ...jobMutable,
  id: req(id()),
  displayName: str({ maxLength: 1024 }),
  jobManagerTask,
  jobPreparationTask,
  jobReleaseTask,
  commonEnvironmentSettings: environmentSettings,
  poolInfo: req(poolInfo),
  onTaskFailure: oneOf(ON_TASK_FAILURE),
  usesTaskDependencies: bool(),
  networkConfiguration: obj({ subnetId: req(str()) }, { open: true }),
};

export const JOB_PATCH_FIELDS: Fields = jobMutable;

export const JOB_UPDATE_FIELDS: Fields = { ...jobMutable, poolInfo: req(poolInfo) };

export const JOB_DISABLE_FIELDS: Fields = { disableTasks: req(oneOf(DISABLE_JOB_OPTIONS)) };

export const JOB_TERMINATE_FIELDS: Fields = { terminateReason: str() };
