/**
 * Per-operation default policies: the one table that says, for every `BatchClient` operation, how it is sent, which
 * statuses mean success and how its failures are handled. Documented in docs/retry.md ("Per-operation policies").
 *
 * Every class is retried by the engine on network errors, 5xx (not 501/505), 408 and 429/503 throttling; 4xx are
 * never retried. What differs is what happens after an *ambiguous* attempt (timeout, reset, lost response, 5xx — the
 * server may have applied the request):
 * - `read`: nothing to reconcile.
 * - `idempotent`: writes that converge; `convergedOn` lists the codes that, after an ambiguous attempt, mean "the
 *   earlier attempt already did it" (e.g. `JobBeingDeleted` for a retried delete) and are reported as success.
 * - `create`: a `…Exists` after an ambiguous attempt is reconciled: GET the resource and accept it only if it matches
 *   what was sent (verify-then-accept); otherwise surface `alreadyExists`. An `…Exists` on the first attempt, or after
 *   only unambiguous failures (429, connection refused), is always surfaced.
 * - `bulkCreate`: add-task-collection; items are handled by `createTasks` (retry only `servererror` items, reconcile
 *   `TaskExists` for items whose earlier send was ambiguous).
 */
import type { HttpMethod } from './http/transport.js';

export type OperationClass = 'read' | 'idempotent' | 'create' | 'bulkCreate';
export type ResourceType = 'account' | 'pool' | 'node' | 'job' | 'jobSchedule' | 'task' | 'file';

export interface OperationPolicy {
  method: HttpMethod;
  /** Path template, for the docs table. */
  path: string;
  /** Documented success statuses (anything else is an error). */
  success: readonly number[];
  class: OperationClass;
  resource: ResourceType;
  /** Verb used in explanations ("terminate applies to …"). */
  verb: string;
  /** What the operation needs, for state-error explanations. */
  requires?: string;
  /** `idempotent` only: codes meaning "already done" after an ambiguous attempt. */
  convergedOn?: readonly string[];
}

const read = (
  method: HttpMethod,
  path: string,
  resource: ResourceType,
  success = [200],
): OperationPolicy => ({
  method,
  path,
  success,
  class: 'read',
  resource,
  verb: 'read',
});

export const OPERATION_POLICIES = Object.freeze({
  createPool: {
    method: 'POST',
    path: '/pools',
    success: [201],
    class: 'create',
    resource: 'pool',
    verb: 'create',
  },
  getPool: read('GET', '/pools/{poolId}', 'pool'),
  poolExists: read('HEAD', '/pools/{poolId}', 'pool', [200, 404]),
  listPools: read('GET', '/pools', 'pool'),
  deletePool: {
    method: 'DELETE',
    path: '/pools/{poolId}',
    success: [202],
    class: 'idempotent',
    resource: 'pool',
    verb: 'delete',
    convergedOn: ['PoolBeingDeleted', 'PoolNotFound'],
  },
  resizePool: {
    method: 'POST',
    path: '/pools/{poolId}/resize',
    success: [202],
    class: 'idempotent',
    resource: 'pool',
    verb: 'resize',
    requires: 'a pool whose allocation state is steady and that does not use autoscale',
  },
  patchPool: {
    method: 'PATCH',
    path: '/pools/{poolId}',
    success: [200],
    class: 'idempotent',
    resource: 'pool',
    verb: 'patch',
  },
  updatePoolProperties: {
    method: 'POST',
    path: '/pools/{poolId}/updateproperties',
    success: [204],
    class: 'idempotent',
    resource: 'pool',
    verb: 'update properties',
  },
  stopPoolResize: {
    method: 'POST',
    path: '/pools/{poolId}/stopresize',
    success: [202],
    class: 'idempotent',
    resource: 'pool',
    verb: 'stop resize',
    requires: 'a pool whose allocation state is resizing',
  },
  removeNodes: {
    method: 'POST',
    path: '/pools/{poolId}/removenodes',
    success: [202],
    class: 'idempotent',
    resource: 'pool',
    verb: 'remove nodes',
    requires: 'a pool whose allocation state is steady',
  },
  // Enabling again with the same settings converges: the formula is just evaluated once more.
  enableAutoScale: {
    method: 'POST',
    path: '/pools/{poolId}/enableautoscale',
    success: [200],
    class: 'idempotent',
    resource: 'pool',
    verb: 'enable autoscale',
    requires: 'a pool that is not being resized (when autoscale is not enabled yet)',
  },
  disableAutoScale: {
    method: 'POST',
    path: '/pools/{poolId}/disableautoscale',
    success: [200],
    class: 'idempotent',
    resource: 'pool',
    verb: 'disable autoscale',
  },
  // Evaluating changes nothing: a read, although it is a POST.
  evaluateAutoScale: read('POST', '/pools/{poolId}/evaluateautoscale', 'pool'),
  // A retried reboot that finds the node already restarting converged; one that finds it back up reboots again.
  rebootNode: {
    method: 'POST',
    path: '/pools/{poolId}/nodes/{nodeId}/reboot',
    success: [202],
    class: 'idempotent',
    resource: 'node',
    verb: 'reboot',
    requires: 'a node that is idle, running, waiting for or failed its start task',
    convergedOn: ['NodeBeingRebooted'],
  },
  reimageNode: {
    method: 'POST',
    path: '/pools/{poolId}/nodes/{nodeId}/reimage',
    success: [202],
    class: 'idempotent',
    resource: 'node',
    verb: 'reimage',
    requires: 'a node that is idle, running, waiting for or failed its start task',
    convergedOn: ['NodeBeingReimaged'],
  },
  listNodes: read('GET', '/pools/{poolId}/nodes', 'node'),
  getNode: read('GET', '/pools/{poolId}/nodes/{nodeId}', 'node'),
  disableNodeScheduling: {
    method: 'POST',
    path: '/pools/{poolId}/nodes/{nodeId}/disablescheduling',
    success: [200],
    class: 'idempotent',
    resource: 'node',
    verb: 'disable scheduling',
    requires: 'a node whose scheduling is enabled',
    convergedOn: ['NodeAlreadyInTargetSchedulingState'],
  },
  enableNodeScheduling: {
    method: 'POST',
    path: '/pools/{poolId}/nodes/{nodeId}/enablescheduling',
    success: [200],
    class: 'idempotent',
    resource: 'node',
    verb: 'enable scheduling',
    requires: 'a node whose scheduling is disabled',
    convergedOn: ['NodeAlreadyInTargetSchedulingState'],
  },
  getNodeRemoteLoginSettings: read('GET', '/pools/{poolId}/nodes/{nodeId}/remoteloginsettings', 'node'),
  // No API reads node users back, so an add cannot be verified: NodeUserExists after an ambiguous attempt is the
  // earlier attempt's account (the name is the whole identity; the password cannot be compared anyway).
  addNodeUser: {
    method: 'POST',
    path: '/pools/{poolId}/nodes/{nodeId}/users',
    success: [201],
    class: 'idempotent',
    resource: 'node',
    verb: 'add user',
    requires: 'a node that is idle, running, waiting for or failed its start task, whose agent runs as root',
    convergedOn: ['NodeUserExists'],
  },
  // Replacing password, key and expiry with the same values converges.
  updateNodeUser: {
    method: 'PUT',
    path: '/pools/{poolId}/nodes/{nodeId}/users/{userName}',
    success: [200],
    class: 'idempotent',
    resource: 'node',
    verb: 'update user',
    requires: 'a node that is idle, running, waiting for or failed its start task, whose agent runs as root',
  },
  deleteNodeUser: {
    method: 'DELETE',
    path: '/pools/{poolId}/nodes/{nodeId}/users/{userName}',
    success: [200],
    class: 'idempotent',
    resource: 'node',
    verb: 'delete user',
    requires: 'a node that is idle, running, waiting for or failed its start task, whose agent runs as root',
    convergedOn: ['NodeUserNotFound'],
  },
  createJob: {
    method: 'POST',
    path: '/jobs',
    success: [201],
    class: 'create',
    resource: 'job',
    verb: 'create',
  },
  getJob: read('GET', '/jobs/{jobId}', 'job'),
  listJobs: read('GET', '/jobs', 'job'),
  updateJob: {
    method: 'PATCH',
    path: '/jobs/{jobId}',
    success: [200],
    class: 'idempotent',
    resource: 'job',
    verb: 'update',
    requires: 'a job that is not completed, terminating or being deleted',
  },
  replaceJob: {
    method: 'PUT',
    path: '/jobs/{jobId}',
    success: [200],
    class: 'idempotent',
    resource: 'job',
    verb: 'replace',
    requires: 'a job that is not completed, terminating or being deleted',
  },
  deleteJob: {
    method: 'DELETE',
    path: '/jobs/{jobId}',
    success: [202],
    class: 'idempotent',
    resource: 'job',
    verb: 'delete',
    convergedOn: ['JobBeingDeleted', 'JobNotFound'],
  },
  disableJob: {
    method: 'POST',
    path: '/jobs/{jobId}/disable',
    success: [202],
    class: 'idempotent',
    resource: 'job',
    verb: 'disable',
    requires: 'an active, disabling or disabled job',
  },
  enableJob: {
    method: 'POST',
    path: '/jobs/{jobId}/enable',
    success: [202],
    class: 'idempotent',
    resource: 'job',
    verb: 'enable',
    requires: 'a disabled, disabling, enabling or active job',
  },
  terminateJob: {
    method: 'POST',
    path: '/jobs/{jobId}/terminate',
    success: [202],
    class: 'idempotent',
    resource: 'job',
    verb: 'terminate',
    requires: 'an active, disabling or disabled job',
    convergedOn: ['JobBeingTerminated', 'JobCompleted'],
  },
  getJobTaskCounts: read('GET', '/jobs/{jobId}/taskcounts', 'job'),
  createJobSchedule: {
    method: 'POST',
    path: '/jobschedules',
    success: [201],
    class: 'create',
    resource: 'jobSchedule',
    verb: 'create',
  },
  getJobSchedule: read('GET', '/jobschedules/{jobScheduleId}', 'jobSchedule'),
  jobScheduleExists: read('HEAD', '/jobschedules/{jobScheduleId}', 'jobSchedule', [200, 404]),
  listJobSchedules: read('GET', '/jobschedules', 'jobSchedule'),
  listJobsFromSchedule: read('GET', '/jobschedules/{jobScheduleId}/jobs', 'jobSchedule'),
  updateJobSchedule: {
    method: 'PATCH',
    path: '/jobschedules/{jobScheduleId}',
    success: [200],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'update',
    requires: 'an active or disabled job schedule',
  },
  replaceJobSchedule: {
    method: 'PUT',
    path: '/jobschedules/{jobScheduleId}',
    success: [200],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'replace',
    requires: 'an active or disabled job schedule',
  },
  deleteJobSchedule: {
    method: 'DELETE',
    path: '/jobschedules/{jobScheduleId}',
    success: [202],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'delete',
    convergedOn: ['JobScheduleBeingDeleted', 'JobScheduleNotFound'],
  },
  disableJobSchedule: {
    method: 'POST',
    path: '/jobschedules/{jobScheduleId}/disable',
    success: [204],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'disable',
    requires: 'an active or disabled job schedule',
  },
  enableJobSchedule: {
    method: 'POST',
    path: '/jobschedules/{jobScheduleId}/enable',
    success: [204],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'enable',
    requires: 'an active or disabled job schedule',
  },
  terminateJobSchedule: {
    method: 'POST',
    path: '/jobschedules/{jobScheduleId}/terminate',
    success: [202],
    class: 'idempotent',
    resource: 'jobSchedule',
    verb: 'terminate',
    requires: 'an active or disabled job schedule',
    convergedOn: ['JobScheduleBeingTerminated', 'JobScheduleCompleted'],
  },
  createTask: {
    method: 'POST',
    path: '/jobs/{jobId}/tasks',
    success: [201],
    class: 'create',
    resource: 'task',
    verb: 'add tasks',
    requires: 'an active or disabled job',
  },
  createTaskCollection: {
    method: 'POST',
    path: '/jobs/{jobId}/addtaskcollection',
    success: [200],
    class: 'bulkCreate',
    resource: 'task',
    verb: 'add tasks',
    requires: 'an active or disabled job',
  },
  getTask: read('GET', '/jobs/{jobId}/tasks/{taskId}', 'task'),
  listTasks: read('GET', '/jobs/{jobId}/tasks', 'task'),
  replaceTask: {
    method: 'PUT',
    path: '/jobs/{jobId}/tasks/{taskId}',
    success: [200],
    class: 'idempotent',
    resource: 'task',
    verb: 'replace',
    requires: 'a task that is not completed',
  },
  deleteTask: {
    method: 'DELETE',
    path: '/jobs/{jobId}/tasks/{taskId}',
    success: [200],
    class: 'idempotent',
    resource: 'task',
    verb: 'delete',
    convergedOn: ['TaskNotFound'],
  },
  terminateTask: {
    method: 'POST',
    path: '/jobs/{jobId}/tasks/{taskId}/terminate',
    success: [204],
    class: 'idempotent',
    resource: 'task',
    verb: 'terminate',
    requires: 'active, preparing or running tasks',
    convergedOn: ['TaskCompleted'],
  },
  reactivateTask: {
    method: 'POST',
    path: '/jobs/{jobId}/tasks/{taskId}/reactivate',
    success: [204],
    class: 'idempotent',
    resource: 'task',
    verb: 'reactivate',
    requires: 'completed tasks that failed, in a job that is not completed, terminating or being deleted',
  },
  listSubtasks: read('GET', '/jobs/{jobId}/tasks/{taskId}/subtasksinfo', 'task'),
  listTaskFiles: read('GET', '/jobs/{jobId}/tasks/{taskId}/files', 'file'),
  getTaskFile: read('GET', '/jobs/{jobId}/tasks/{taskId}/files/{filePath}', 'file'),
  getTaskFileProperties: read('HEAD', '/jobs/{jobId}/tasks/{taskId}/files/{filePath}', 'file'),
  deleteTaskFile: {
    method: 'DELETE',
    path: '/jobs/{jobId}/tasks/{taskId}/files/{filePath}',
    success: [200],
    class: 'idempotent',
    resource: 'file',
    verb: 'delete',
    convergedOn: ['FileNotFound'],
  },
  listNodeFiles: read('GET', '/pools/{poolId}/nodes/{nodeId}/files', 'file'),
  getNodeFile: read('GET', '/pools/{poolId}/nodes/{nodeId}/files/{filePath}', 'file'),
  getNodeFileProperties: read('HEAD', '/pools/{poolId}/nodes/{nodeId}/files/{filePath}', 'file'),
  deleteNodeFile: {
    method: 'DELETE',
    path: '/pools/{poolId}/nodes/{nodeId}/files/{filePath}',
    success: [200],
    class: 'idempotent',
    resource: 'file',
    verb: 'delete',
    convergedOn: ['FileNotFound'],
  },
  listPoolNodeCounts: read('GET', '/nodecounts', 'pool'),
  listPoolUsageMetrics: read('GET', '/poolusagemetrics', 'pool'),
  listSupportedImages: read('GET', '/supportedimages', 'account'),
  listApplications: read('GET', '/applications', 'account'),
  getApplication: read('GET', '/applications/{applicationId}', 'account'),
} as const satisfies Record<string, OperationPolicy>);

export type OperationName = keyof typeof OPERATION_POLICIES;

export function operationPolicy(name: OperationName): OperationPolicy {
  return OPERATION_POLICIES[name];
}
