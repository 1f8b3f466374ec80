/**
 * The Batch error catalog: every error code Batchite's operations can produce, with its HTTP status, retry class,
 * error family and the default English message (the Azure Batch REST reference; messages in the style of the real service).
 *
 * Retry classes: `transient` (R: the same request may succeed later, SDKs retry it),
 * `state` ((R): a state conflict that may clear, retried only by the application), `never` (permanent).
 */

/** The error families of the Batch docs; clients branch on these instead of on dozens of codes. */
export type ErrorFamily =
  | 'network'
  | 'server'
  | 'throttled'
  | 'alreadyExists'
  | 'invalidOperation'
  | 'notFound'
  | 'badRequest'
  | 'auth'
  | 'conditionNotMet';

export type RetryClass = 'transient' | 'state' | 'never';

export interface ErrorSpec {
  /** HTTP status of the response. */
  status: number;
  /** Status used instead of `status` for read operations (only `ConditionNotMet`: 304 on reads, 412 on writes). */
  readStatus?: number;
  retry: RetryClass;
  family: ErrorFamily;
  /** Default message; the server appends `\nRequestId:…\nTime:…` like the real service. */
  message: string;
}

/** One `values` entry of a Batch error body. */
export interface ErrorDetail {
  key: string;
  value: string;
}

/** The JSON body of every Batch error response (and of per-task errors in addtaskcollection results). */
export interface BatchErrorBody {
  'odata.metadata'?: string;
  code: string;
  message: { lang: string; value: string };
  values?: ErrorDetail[];
}

const bad = (message: string): ErrorSpec => ({ status: 400, retry: 'never', family: 'badRequest', message });
const notFound = (message: string): ErrorSpec => ({
  status: 404,
  retry: 'never',
  family: 'notFound',
  message,
});
const exists = (message: string): ErrorSpec => ({
  status: 409,
  retry: 'never',
  family: 'alreadyExists',
  message,
});
const conflict = (message: string, retry: RetryClass = 'never'): ErrorSpec => ({
  status: 409,
  retry,
  family: 'invalidOperation',
  message,
});

export const ERROR_CATALOG = {
  // Common REST codes.
  ConditionNotMet: {
    status: 412,
    readStatus: 304,
    retry: 'never',
    family: 'conditionNotMet',
    message: 'The condition specified using HTTP conditional header(s) is not met.',
  },
  MissingRequiredHeader: bad('An HTTP header that is mandatory for this request is not specified.'),
  MissingRequiredProperty: bad('A property that is mandatory for this request is not specified.'),
  UnsupportedHeader: bad('One of the HTTP headers specified in the request is not supported.'),
  UnsupportedProperty: bad('One of the properties specified in the request body is not supported.'),
  InvalidHeaderValue: bad('The value for one of the HTTP headers is not in the correct format.'),
  InvalidPropertyValue: bad('The value provided for one of the properties in the request body is invalid.'),
  MissingRequiredQueryParameter: bad(
    'A query parameter that is mandatory for this request is not specified.',
  ),
  UnsupportedQueryParameter: bad(
    'One of the query parameters specified in the request URI is not supported.',
  ),
  InvalidQueryParameterValue: bad(
    'Value for one of the query parameters specified in the request URI is invalid.',
  ),
  OutOfRangeQueryParameterValue: bad(
    'A query parameter specified in the request URI is outside the permissible range.',
  ),
  RequestUrlFailedToParse: bad('The URL in the request could not be parsed.'),
  InvalidUri: bad('The requested URI does not represent any resource on the server.'),
  InvalidHttpVerb: bad('The HTTP verb specified was not recognized by the server.'),
  EmptyMetadataKey: bad('The key for one of the metadata key-value pairs is empty.'),
  InvalidRequestBody: bad('The specified Request Body is not syntactically valid.'),
  OutOfRangeInput: bad('One of the request inputs is out of range.'),
  InvalidAuthenticationInfo: {
    status: 400,
    retry: 'never',
    family: 'auth',
    message:
      'The authentication information was not provided in the correct format. Verify the Authorization header.',
  },
  InvalidInput: bad('One of the request inputs is not valid.'),
  InvalidMetadata: bad('The specified metadata is invalid.'),
  MetadataTooLarge: bad('The size of the specified metadata exceeds the maximum size permitted.'),
  MultipleConditionHeadersNotSupported: bad('Multiple condition headers are not supported.'),
  AuthenticationFailed: {
    status: 403,
    retry: 'never',
    family: 'auth',
    message:
      'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
  },
  InsufficientAccountPermissions: {
    status: 403,
    retry: 'never',
    family: 'auth',
    message: 'The account being accessed does not have sufficient permissions to execute this operation.',
  },
  AuthorizationFailure: {
    status: 403,
    retry: 'never',
    family: 'auth',
    message: 'This request is not authorized to perform this operation.',
  },
  ResourceNotFound: notFound('The specified resource does not exist.'),
  UnsupportedHttpVerb: {
    status: 405,
    retry: 'never',
    family: 'badRequest',
    message: 'The resource does not support the specified HTTP verb.',
  },
  MissingContentLengthHeader: {
    status: 411,
    retry: 'never',
    family: 'badRequest',
    message: 'The Content-Length header was not specified.',
  },
  RequestBodyTooLarge: {
    status: 413,
    retry: 'never',
    family: 'badRequest',
    message: 'The request body is too large and exceeds the maximum permissible limit.',
  },
  InvalidRange: {
    status: 416,
    retry: 'never',
    family: 'badRequest',
    message: 'The range specified is invalid for the current size of the resource.',
  },
  InternalError: {
    status: 500,
    retry: 'transient',
    family: 'server',
    message: 'The server encountered an internal error. Please retry the request.',
  },
  OperationTimedOut: {
    status: 500,
    retry: 'transient',
    family: 'server',
    message: 'The operation could not be completed within the permitted time.',
  },
  NotImplemented: {
    status: 501,
    retry: 'never',
    family: 'server',
    message: 'The requested operation is not implemented by this server.',
  },
  ServerBusy: {
    status: 503,
    retry: 'transient',
    family: 'throttled',
    message: 'The server is currently unable to receive requests. Please retry your request.',
  },
  // Batchite's own name for 429 (the real service documents the status, not a code).
  TooManyRequests: {
    status: 429,
    retry: 'transient',
    family: 'throttled',
    message: 'The request rate exceeds the account limit. Please retry after the time given in Retry-After.',
  },

  // Batch-service codes.
  UnsupportedRequestVersion: bad('The specified api-version is not supported.'),
  InvalidAutoScalingSettings: bad('The autoscale settings of the pool are not valid.'),
  AutoScalingFormulaSyntaxError: bad('The specified autoscale formula has a syntax error.'),
  AutoScalingFormulaTooLong: bad('The specified autoscale formula is longer than 8 KB.'),
  TaskDependenciesNotSpecifiedOnJob: bad(
    'The task has dependencies, but the job does not allow tasks to have dependencies (usesTaskDependencies is false).',
  ),
  TaskDependencyListTooLong: bad('The total length of the task ids in dependsOn.taskIds exceeds the limit.'),
  TaskDependencyRangesTooLong: bad('The task id ranges in dependsOn.taskIdRanges are too long to be stored.'),
  InvalidConstraintValue: bad('The value provided for one of the constraints is invalid.'),
  OutOfRangePriority: bad('The specified priority is outside the range -1000 to 1000.'),

  PoolNotFound: notFound('The specified pool does not exist.'),
  NodeNotFound: notFound('The specified node does not exist.'),
  JobNotFound: notFound('The specified job does not exist.'),
  JobScheduleNotFound: notFound('The specified job schedule does not exist.'),
  TaskNotFound: notFound('The specified task does not exist.'),
  FileNotFound: notFound('The specified file does not exist.'),
  NodeUserNotFound: notFound('The specified user does not exist on the compute node.'),
  ApplicationNotFound: notFound('The specified application does not exist.'),
  CertificateNotFound: notFound('The specified certificate does not exist.'),
  // Azure's answer to the certificate operations since the feature's retirement (Azure Batch, 2024-02-29).
  CertificateRetired: bad("The 'Azure Batch Certificates' feature was retired on 02/29/2024."),

  PoolExists: exists('The specified pool already exists.'),
  JobExists: exists('The specified job already exists.'),
  JobScheduleExists: exists('The specified job schedule already exists.'),
  JobScheduleWithSameIdExists: exists('A job schedule with the same id as the specified job already exists.'),
  JobWithSameIdExists: exists('A job with the same id as the specified job schedule already exists.'),
  TaskExists: exists('The specified task already exists.'),
  NodeUserExists: exists('The specified user already exists on the compute node.'),

  OperationInvalidForCurrentState: conflict(
    'The specified operation is not valid for the current state of the resource.',
    'state',
  ),
  PoolBeingDeleted: conflict('The specified pool has been marked for deletion and is being reclaimed.'),
  PoolBeingResized: conflict('The specified pool is currently being resized.', 'state'),
  PoolBeingCreated: conflict('The specified pool is currently being created.', 'state'),
  JobBeingTerminated: conflict('The specified job is being terminated.'),
  AccountNotEnabledForAutoStorage: conflict('The specified account is not enabled for auto storage.'),
  JobBeingDeleted: conflict('The specified job has been marked for deletion and is being garbage collected.'),
  JobDisabled: conflict('The specified job is disabled.'),
  JobCompleted: conflict('The specified job is already in a completed state.'),
  JobNotActive: conflict('The specified job is not in an active state.'),
  JobScheduleBeingTerminated: conflict('The specified job schedule is being terminated.'),
  JobScheduleBeingDeleted: conflict(
    'The specified job schedule has been marked for deletion and is being garbage collected.',
  ),
  JobScheduleDisabled: conflict('The specified job schedule is disabled.'),
  JobScheduleCompleted: conflict('The specified job schedule is already in a completed state.'),
  TaskCompleted: conflict('The specified task is already completed.'),
  TaskNotCompleted: conflict('The specified task is not in a completed state.'),
  TaskSucceeded: conflict('The specified task has already completed successfully.'),
  TaskFilesUnavailable: conflict('The files of the specified task are not available.'),
  TaskFilesCleanedup: conflict('The files of the specified task have been cleaned up from the node.'),
  ActiveJobAndScheduleQuotaReached: conflict('The quota of active jobs and job schedules has been reached.'),
  PoolQuotaReached: conflict('The pool quota for this account has been reached.'),
  OperationNotValidOnNode: conflict('The specified operation is not valid on the compute node.'),
  NodeBeingRebooted: conflict('The specified compute node is being rebooted.', 'state'),
  NodeBeingReimaged: conflict('The specified compute node is being reimaged.', 'state'),
  NodeAlreadyInTargetSchedulingState: conflict('The compute node is already in the target scheduling state.'),
  JobPreparationTaskNotSpecified: conflict('The specified job does not have a job preparation task.'),
  JobReleaseTaskNotSpecified: conflict('The specified job does not have a job release task.'),
  TaskIdSameAsJobPreparationTask: conflict(
    'The specified task id is the same as the id of the job preparation task of the job.',
  ),
  TaskIdSameAsJobReleaseTask: conflict(
    'The specified task id is the same as the id of the job release task of the job.',
  ),
} as const satisfies Record<string, ErrorSpec>;

export type BatchErrorCode = keyof typeof ERROR_CATALOG;

/** The catalog entry for `code`, or undefined when it is not a code Batchite produces. */
export function errorSpec(code: string): ErrorSpec | undefined {
  return Object.hasOwn(ERROR_CATALOG, code) ? ERROR_CATALOG[code as BatchErrorCode] : undefined;
}

/** True when `code` is in the catalog (narrows to `BatchErrorCode`). */
export function isBatchErrorCode(code: string): code is BatchErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code);
}
