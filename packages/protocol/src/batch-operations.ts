/**
 * Every operation of the Azure Batch data-plane REST API (the `BatchService.json` swagger of
 * Azure/azure-rest-api-specs, stable 2022-10-01.16.0 — the version `@azure/batch` 10.x sends — plus the node
 * `start`/`deallocate` operations of 2024-07-01.20.0): method, path template and swagger operation id.
 *
 * The server answers a request that matches one of these but that no route serves with 501 `NotImplemented`
 * naming the operation, instead of the 404 `ResourceNotFound` a truly unknown path gets: a client must be able
 * to tell "Batchite lacks this operation" from "your resource does not exist". The list of what answers 501
 * shrinks by itself as routes are added.
 */
export interface BatchOperation {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Swagger path template; `{filePath}` spans several segments, other parameters one. */
  path: string;
  /** Swagger `operationId`, e.g. `Pool_StopResize`. */
  operationId: string;
}

type Row = readonly [BatchOperation['method'], string, string];

const ROWS: readonly Row[] = [
  ['GET', '/applications', 'Application_List'],
  ['GET', '/applications/{applicationId}', 'Application_Get'],
  ['GET', '/poolusagemetrics', 'Pool_ListUsageMetrics'],
  ['GET', '/lifetimepoolstats', 'Pool_GetAllLifetimeStatistics'],
  ['POST', '/pools', 'Pool_Add'],
  ['GET', '/pools', 'Pool_List'],
  ['DELETE', '/pools/{poolId}', 'Pool_Delete'],
  ['HEAD', '/pools/{poolId}', 'Pool_Exists'],
  ['GET', '/pools/{poolId}', 'Pool_Get'],
  ['PATCH', '/pools/{poolId}', 'Pool_Patch'],
  ['POST', '/pools/{poolId}/disableautoscale', 'Pool_DisableAutoScale'],
  ['POST', '/pools/{poolId}/enableautoscale', 'Pool_EnableAutoScale'],
  ['POST', '/pools/{poolId}/evaluateautoscale', 'Pool_EvaluateAutoScale'],
  ['POST', '/pools/{poolId}/resize', 'Pool_Resize'],
  ['POST', '/pools/{poolId}/stopresize', 'Pool_StopResize'],
  ['POST', '/pools/{poolId}/updateproperties', 'Pool_UpdateProperties'],
  ['POST', '/pools/{poolId}/removenodes', 'Pool_RemoveNodes'],
  ['GET', '/supportedimages', 'Account_ListSupportedImages'],
  // Up to 2018-12-01.8.0; later versions list supported images instead.
  ['GET', '/nodeagentskus', 'Account_ListNodeAgentSkus'],
  ['GET', '/nodecounts', 'Account_ListPoolNodeCounts'],
  ['GET', '/lifetimejobstats', 'Job_GetAllLifetimeStatistics'],
  ['DELETE', '/jobs/{jobId}', 'Job_Delete'],
  ['GET', '/jobs/{jobId}', 'Job_Get'],
  ['PATCH', '/jobs/{jobId}', 'Job_Patch'],
  ['PUT', '/jobs/{jobId}', 'Job_Update'],
  ['POST', '/jobs/{jobId}/disable', 'Job_Disable'],
  ['POST', '/jobs/{jobId}/enable', 'Job_Enable'],
  ['POST', '/jobs/{jobId}/terminate', 'Job_Terminate'],
  ['POST', '/jobs', 'Job_Add'],
  ['GET', '/jobs', 'Job_List'],
  ['GET', '/jobschedules/{jobScheduleId}/jobs', 'Job_ListFromJobSchedule'],
  ['GET', '/jobs/{jobId}/jobpreparationandreleasetaskstatus', 'Job_ListPreparationAndReleaseTaskStatus'],
  ['GET', '/jobs/{jobId}/taskcounts', 'Job_GetTaskCounts'],
  ['POST', '/certificates', 'Certificate_Add'],
  ['GET', '/certificates', 'Certificate_List'],
  [
    'POST',
    '/certificates(thumbprintAlgorithm={thumbprintAlgorithm},thumbprint={thumbprint})/canceldelete',
    'Certificate_CancelDeletion',
  ],
  [
    'DELETE',
    '/certificates(thumbprintAlgorithm={thumbprintAlgorithm},thumbprint={thumbprint})',
    'Certificate_Delete',
  ],
  [
    'GET',
    '/certificates(thumbprintAlgorithm={thumbprintAlgorithm},thumbprint={thumbprint})',
    'Certificate_Get',
  ],
  ['DELETE', '/jobs/{jobId}/tasks/{taskId}/files/{filePath}', 'File_DeleteFromTask'],
  ['GET', '/jobs/{jobId}/tasks/{taskId}/files/{filePath}', 'File_GetFromTask'],
  ['HEAD', '/jobs/{jobId}/tasks/{taskId}/files/{filePath}', 'File_GetPropertiesFromTask'],
  ['DELETE', '/pools/{poolId}/nodes/{nodeId}/files/{filePath}', 'File_DeleteFromComputeNode'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/files/{filePath}', 'File_GetFromComputeNode'],
  ['HEAD', '/pools/{poolId}/nodes/{nodeId}/files/{filePath}', 'File_GetPropertiesFromComputeNode'],
  ['GET', '/jobs/{jobId}/tasks/{taskId}/files', 'File_ListFromTask'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/files', 'File_ListFromComputeNode'],
  ['HEAD', '/jobschedules/{jobScheduleId}', 'JobSchedule_Exists'],
  ['DELETE', '/jobschedules/{jobScheduleId}', 'JobSchedule_Delete'],
  ['GET', '/jobschedules/{jobScheduleId}', 'JobSchedule_Get'],
  ['PATCH', '/jobschedules/{jobScheduleId}', 'JobSchedule_Patch'],
  ['PUT', '/jobschedules/{jobScheduleId}', 'JobSchedule_Update'],
  ['POST', '/jobschedules/{jobScheduleId}/disable', 'JobSchedule_Disable'],
  ['POST', '/jobschedules/{jobScheduleId}/enable', 'JobSchedule_Enable'],
  ['POST', '/jobschedules/{jobScheduleId}/terminate', 'JobSchedule_Terminate'],
  ['POST', '/jobschedules', 'JobSchedule_Add'],
  ['GET', '/jobschedules', 'JobSchedule_List'],
  ['POST', '/jobs/{jobId}/tasks', 'Task_Add'],
  ['GET', '/jobs/{jobId}/tasks', 'Task_List'],
  ['POST', '/jobs/{jobId}/addtaskcollection', 'Task_AddCollection'],
  ['DELETE', '/jobs/{jobId}/tasks/{taskId}', 'Task_Delete'],
  ['GET', '/jobs/{jobId}/tasks/{taskId}', 'Task_Get'],
  ['PUT', '/jobs/{jobId}/tasks/{taskId}', 'Task_Update'],
  ['GET', '/jobs/{jobId}/tasks/{taskId}/subtasksinfo', 'Task_ListSubtasks'],
  ['POST', '/jobs/{jobId}/tasks/{taskId}/terminate', 'Task_Terminate'],
  ['POST', '/jobs/{jobId}/tasks/{taskId}/reactivate', 'Task_Reactivate'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/users', 'ComputeNode_AddUser'],
  ['DELETE', '/pools/{poolId}/nodes/{nodeId}/users/{userName}', 'ComputeNode_DeleteUser'],
  ['PUT', '/pools/{poolId}/nodes/{nodeId}/users/{userName}', 'ComputeNode_UpdateUser'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}', 'ComputeNode_Get'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/reboot', 'ComputeNode_Reboot'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/reimage', 'ComputeNode_Reimage'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/disablescheduling', 'ComputeNode_DisableScheduling'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/enablescheduling', 'ComputeNode_EnableScheduling'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/remoteloginsettings', 'ComputeNode_GetRemoteLoginSettings'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/rdp', 'ComputeNode_GetRemoteDesktop'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/uploadbatchservicelogs', 'ComputeNode_UploadBatchServiceLogs'],
  ['GET', '/pools/{poolId}/nodes', 'ComputeNode_List'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/extensions/{extensionName}', 'ComputeNodeExtension_Get'],
  ['GET', '/pools/{poolId}/nodes/{nodeId}/extensions', 'ComputeNodeExtension_List'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/start', 'ComputeNode_Start'],
  ['POST', '/pools/{poolId}/nodes/{nodeId}/deallocate', 'ComputeNode_Deallocate'],
];

export const BATCH_OPERATIONS: readonly BatchOperation[] = ROWS.map(([method, path, operationId]) => ({
  method,
  path,
  operationId,
}));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A matcher for a path template: `{filePath}` matches one or more segments, other parameters exactly one. */
function templatePattern(template: string): RegExp {
  const parts = template.split(/(\{[A-Za-z]+\})/);
  const body = parts
    .map((part) => {
      if (part === '{filePath}') return '.+';
      if (/^\{[A-Za-z]+\}$/.test(part)) return '[^/]+';
      return escapeRegExp(part);
    })
    .join('');
  return new RegExp(`^${body}$`);
}

const PATTERNS = BATCH_OPERATIONS.map((operation) => ({
  operation,
  pattern: templatePattern(operation.path),
}));

/**
 * The Batch operation a request names, or undefined when the method and path match none. `path` is the wire
 * path without the query; a trailing slash is ignored as the router ignores it.
 */
export function matchBatchOperation(method: string, path: string): BatchOperation | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const upper = method.toUpperCase();
  return PATTERNS.find((entry) => entry.operation.method === upper && entry.pattern.test(trimmed))?.operation;
}
