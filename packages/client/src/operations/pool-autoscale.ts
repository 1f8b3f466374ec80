/** Autoscale operations (the Azure Batch REST reference "Pool - Enable/Disable/Evaluate Auto Scale"). */
import type { AutoScaleRun, PoolEnableAutoScaleParameter } from '@batchite/protocol';
import type { CallOptions, ConditionalOptions } from '../options.js';
import type { Pipeline } from '../pipeline.js';
import {
  conditionalHeaders,
  entityResult,
  seg,
  writeResult,
  type WithResponse,
  type WriteResult,
} from './common.js';

/** Enables autoscale with a formula, or changes the formula or interval of an autoscaled pool. */
export async function enableAutoScale(
  pipeline: Pipeline,
  poolId: string,
  settings: PoolEnableAutoScaleParameter,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    'enableAutoScale',
    {
      method: 'POST',
      path: `/pools/${seg(poolId)}/enableautoscale`,
      body: settings,
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'none',
    },
    options,
    { poolId },
  );
  return writeResult(response, attempts);
}

/** Disables autoscale; the pool keeps its current targets. */
export async function disableAutoScale(
  pipeline: Pipeline,
  poolId: string,
  options: ConditionalOptions,
): Promise<WriteResult> {
  const { response, attempts } = await pipeline.send(
    'disableAutoScale',
    {
      method: 'POST',
      path: `/pools/${seg(poolId)}/disableautoscale`,
      headers: conditionalHeaders(options),
      expect: [200],
      read: 'none',
    },
    options,
    { poolId },
  );
  return writeResult(response, attempts);
}

/** Evaluates a formula on the pool's metrics without applying it. */
export async function evaluateAutoScale(
  pipeline: Pipeline,
  poolId: string,
  autoScaleFormula: string,
  options: CallOptions,
): Promise<WithResponse<AutoScaleRun>> {
  const { response } = await pipeline.send(
    'evaluateAutoScale',
    {
      method: 'POST',
      path: `/pools/${seg(poolId)}/evaluateautoscale`,
      body: { autoScaleFormula },
      expect: [200],
      read: 'json',
    },
    options,
    { poolId },
  );
  return entityResult<AutoScaleRun>(response);
}
