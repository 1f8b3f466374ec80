/**
 * "Nothing silently ignored": the properties of pool, job and task bodies that Batchite accepts in the Batch
 * models but cannot honour are refused with 400 `UnsupportedProperty` naming the property (docs/compatibility.md,
 * Properties). An empty list is not refused: it asks for nothing. Properties other modules own are refused
 * there (multi-instance settings, job preparation/release/manager tasks).
 */
import {
  uploadHeaderEffect,
  type CloudPool,
  type JobAddParameter,
  type OutputFile,
  type PoolAddParameter,
  type StartTask,
  type TaskAddParameter,
} from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';

const NO_CONTAINER_RUNTIME =
  'Batchite has no container runtime configured: it cannot run tasks in containers.';

function unsupported(name: string, reason: string): ApiError {
  return apiError('UnsupportedProperty', { values: propertyValues(name, undefined, reason) });
}

/** True when a property asks for something: present and, for a list, not empty. */
function asked(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return !Array.isArray(value) || value.length > 0;
}

/** A property Batchite refuses when it asks for something, and why. */
type Rule = readonly [name: string, reason: string];

function firstRefusal(body: object, rules: readonly Rule[], prefix = ''): ApiError | undefined {
  const values = body as Record<string, unknown>;
  for (const [name, reason] of rules) {
    if (asked(values[name])) return unsupported(`${prefix}${name}`, reason);
  }
  return undefined;
}

const NO_APPLICATIONS = 'Batchite has no application packages.';
const NOT_A_VM = 'Local nodes are processes, not virtual machines: there is nothing to configure.';
const NO_WINDOWS = 'Local nodes run Linux-style processes; there are no Windows nodes.';
const OWN_NETWORK = 'Local nodes use the network of their machine.';

const TASK_RULES: readonly Rule[] = [
  ['containerSettings', NO_CONTAINER_RUNTIME],
  ['applicationPackageReferences', NO_APPLICATIONS],
];

const POOL_UPDATABLE_RULES: readonly Rule[] = [['applicationPackageReferences', NO_APPLICATIONS]];

/** What Azure Batch answers a pool that references certificates since their retirement (2024-02-29). */
export function certificatesRetired(): ApiError {
  return apiError('CertificateRetired', {
    values: [
      {
        key: 'Reason',
        value:
          "The operation is blocked because the 'Azure Batch Certificates' feature was retired on 02/29/2024. " +
          'For Certificate APIs, they are no longer supported. For Pool, Job, and Job Schedule APIs, the target ' +
          'resource should no longer contain certificate references, please either remove the certificate ' +
          'references or delete the resource.',
      },
    ],
  });
}

const VM_RULES: readonly Rule[] = [
  ['containerConfiguration', NO_CONTAINER_RUNTIME],
  ['extensions', NOT_A_VM],
  ['dataDisks', NOT_A_VM],
  ['diskEncryptionConfiguration', NOT_A_VM],
  ['osDisk', NOT_A_VM],
  ['nodePlacementConfiguration', NOT_A_VM],
  ['windowsConfiguration', NO_WINDOWS],
  ['licenseType', NO_WINDOWS],
];

const POOL_RULES: readonly Rule[] = [
  ['networkConfiguration', OWN_NETWORK],
  ['mountConfiguration', 'Batchite mounts no file systems.'],
  ['applicationLicenses', NO_APPLICATIONS],
];

/**
 * The refusal for output files Batchite cannot upload as asked: a managed identity instead of a SAS, or an
 * upload header that is not a blob property or metadata (output-file-headers.ts).
 */
export function refuseOutputFiles(
  files: readonly OutputFile[] | undefined,
  prefix = '',
): ApiError | undefined {
  for (const [index, file] of (files ?? []).entries()) {
    const at = `${prefix}outputFiles[${index}].destination.container`;
    const container = file.destination.container;
    if (container?.identityReference !== undefined) {
      return unsupported(
        `${at}.identityReference`,
        'Batchite has no managed identities: give the container URL a SAS with write permission.',
      );
    }
    for (const [position, header] of (container?.uploadHeaders ?? []).entries()) {
      if (uploadHeaderEffect(header.name) !== undefined) continue;
      return unsupported(
        `${at}.uploadHeaders[${position}]`,
        `Batchite does not apply the upload header ${header.name}; it applies Content-Type, ` +
          'Content-Encoding, Content-Language, Content-Disposition, Cache-Control and x-ms-meta-* headers.',
      );
    }
  }
  return undefined;
}

/** The refusal for an ordinary task (add, add collection), or undefined. */
export function refuseTaskProperties(param: TaskAddParameter): ApiError | undefined {
  return firstRefusal(param, TASK_RULES) ?? refuseOutputFiles(param.outputFiles);
}

/** The refusal for a start task's properties, or undefined. */
export function refuseStartTaskProperties(startTask: StartTask | undefined): ApiError | undefined {
  if (startTask?.containerSettings === undefined) return undefined;
  return unsupported('startTask.containerSettings', NO_CONTAINER_RUNTIME);
}

/**
 * The refusal for the updatable properties of a pool (add, patch, updateproperties), or undefined. Certificate
 * references get Azure's own answer, 400 `CertificateRetired`.
 */
export function refusePoolUpdatable(
  param: Pick<CloudPool, 'certificateReferences' | 'applicationPackageReferences' | 'startTask'>,
): ApiError | undefined {
  if (asked(param.certificateReferences)) return certificatesRetired();
  return firstRefusal(param, POOL_UPDATABLE_RULES) ?? refuseStartTaskProperties(param.startTask);
}

/** The refusal for a pool add body, or undefined. */
export function refusePoolProperties(param: PoolAddParameter): ApiError | undefined {
  const vm = param.virtualMachineConfiguration;
  return (
    firstRefusal(param, POOL_RULES) ??
    (vm === undefined ? undefined : firstRefusal(vm, VM_RULES, 'virtualMachineConfiguration.')) ??
    refusePoolUpdatable(param)
  );
}

/** The refusal for a job add body, or undefined. */
export function refuseJobProperties(
  param: Pick<JobAddParameter, 'networkConfiguration'>,
): ApiError | undefined {
  if (param.networkConfiguration === undefined) return undefined;
  return unsupported('networkConfiguration', OWN_NETWORK);
}
