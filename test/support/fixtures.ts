/** Small builders for the resources most tests need, through the official SDK. */
import type { BatchServiceClient, BatchServiceModels } from '@azure/batch';
import { NO_SUCH_POOL, uniqueId } from './ids.js';

/** A pool body the Batch REST API accepts (vmSize + virtualMachineConfiguration). */
export function poolBody(
  id: string,
  extra: Partial<BatchServiceModels.PoolAddParameter> = {},
): BatchServiceModels.PoolAddParameter {
  return {
    id,
    vmSize: 'standard_d2s_v3',
    virtualMachineConfiguration: {
      imageReference: {
        publisher: 'canonical',
        offer: '0001-com-ubuntu-server-jammy',
        sku: '22_04-lts',
        version: 'latest',
      },
      nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    },
    targetDedicatedNodes: 0,
    ...extra,
  };
}

/** Adds a pool with no nodes and returns its id. */
export async function addPool(
  client: BatchServiceClient,
  extra: Partial<BatchServiceModels.PoolAddParameter> = {},
): Promise<string> {
  const id = extra.id ?? uniqueId('pool');
  await client.pool.add(poolBody(id, extra));
  return id;
}

/**
 * Adds a job bound to a pool that does not exist, so its tasks stay `active` (the Azure Batch REST reference: such a job is
 * accepted and its tasks just don't run). Returns the job id.
 */
export async function addIdleJob(
  client: BatchServiceClient,
  extra: Partial<BatchServiceModels.JobAddParameter> = {},
): Promise<string> {
  const id = extra.id ?? uniqueId('job');
  await client.job.add({ id, poolInfo: { poolId: NO_SUCH_POOL }, ...extra });
  return id;
}

/** Adds a task (that will never run when its job is idle) and returns its id. */
export async function addTask(
  client: BatchServiceClient,
  jobId: string,
  extra: Partial<BatchServiceModels.TaskAddParameter> = {},
): Promise<string> {
  const id = extra.id ?? uniqueId('task');
  await client.task.add(jobId, { id, commandLine: '/bin/sh -c "exit 0"', ...extra });
  return id;
}
