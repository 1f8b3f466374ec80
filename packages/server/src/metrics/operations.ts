/** Batch operation ids (as the REST spec names them) for metric labels, by method and route template. */
const OPERATIONS: Readonly<Record<string, string>> = {
  'POST /pools': 'Pool_Add',
  'GET /pools': 'Pool_List',
  'GET /pools/:poolId': 'Pool_Get',
  'HEAD /pools/:poolId': 'Pool_Exists',
  'DELETE /pools/:poolId': 'Pool_Delete',
  'POST /pools/:poolId/resize': 'Pool_Resize',
  'GET /pools/:poolId/nodes': 'ComputeNode_List',
  'GET /pools/:poolId/nodes/:nodeId': 'ComputeNode_Get',
  'POST /jobs': 'Job_Add',
  'GET /jobs': 'Job_List',
  'GET /jobs/:jobId': 'Job_Get',
  'PUT /jobs/:jobId': 'Job_Update',
  'PATCH /jobs/:jobId': 'Job_Patch',
  'DELETE /jobs/:jobId': 'Job_Delete',
  'POST /jobs/:jobId/disable': 'Job_Disable',
  'POST /jobs/:jobId/enable': 'Job_Enable',
  'POST /jobs/:jobId/terminate': 'Job_Terminate',
  'GET /jobs/:jobId/taskcounts': 'Job_GetTaskCounts',
  'POST /jobs/:jobId/tasks': 'Task_Add',
  'POST /jobs/:jobId/addtaskcollection': 'Task_AddCollection',
  'GET /jobs/:jobId/tasks': 'Task_List',
  'GET /jobs/:jobId/tasks/:taskId': 'Task_Get',
  'PUT /jobs/:jobId/tasks/:taskId': 'Task_Update',
  'DELETE /jobs/:jobId/tasks/:taskId': 'Task_Delete',
  'POST /jobs/:jobId/tasks/:taskId/terminate': 'Task_Terminate',
  'POST /jobs/:jobId/tasks/:taskId/reactivate': 'Task_Reactivate',
  'GET /jobs/:jobId/tasks/:taskId/subtasksinfo': 'Task_ListSubtasks',
  'GET /jobs/:jobId/tasks/:taskId/files': 'File_ListFromTask',
  'GET /jobs/:jobId/tasks/:taskId/files/*': 'File_GetFromTask',
  'HEAD /jobs/:jobId/tasks/:taskId/files/*': 'File_GetPropertiesFromTask',
  'DELETE /jobs/:jobId/tasks/:taskId/files/*': 'File_DeleteFromTask',
  'GET /pools/:poolId/nodes/:nodeId/files': 'File_ListFromComputeNode',
  'GET /pools/:poolId/nodes/:nodeId/files/*': 'File_GetFromComputeNode',
  'HEAD /pools/:poolId/nodes/:nodeId/files/*': 'File_GetPropertiesFromComputeNode',
  'DELETE /pools/:poolId/nodes/:nodeId/files/*': 'File_DeleteFromComputeNode',
};

/** The operation id, or `other` (unknown paths must not create unbounded label values). */
export function operationOf(method: string, route: string | undefined): string {
  return route === undefined ? 'other' : (OPERATIONS[`${method} ${route}`] ?? 'other');
}
