/**
 * Autoscale request bodies and the AutoScaleRun model (Azure Batch REST reference: Pool - Enable Auto Scale,
 * Evaluate Auto Scale; the `autoScaleRun` of a pool).
 */
import type { DateTimeString, DurationString, NameValuePair } from './models/common.js';
import { duration, req, str, validateBody, type ValidationResult } from './validators/schema.js';

/** Batch: a formula is at most 8 KB. */
export const MAX_AUTOSCALE_FORMULA_LENGTH = 8192;
/** Batch: the evaluation interval is between 5 minutes and 168 hours; 15 minutes when not given. */
export const MIN_AUTOSCALE_INTERVAL_MS = 5 * 60_000;
export const MAX_AUTOSCALE_INTERVAL_MS = 168 * 3_600_000;
export const DEFAULT_AUTOSCALE_INTERVAL = 'PT15M';

/** Body of POST /pools/{poolId}/enableautoscale. */
export interface PoolEnableAutoScaleParameter {
  autoScaleFormula?: string;
  autoScaleEvaluationInterval?: DurationString;
}

/** Body of POST /pools/{poolId}/evaluateautoscale. */
export interface PoolEvaluateAutoScaleParameter {
  autoScaleFormula: string;
}

export interface AutoScaleRunError {
  code?: string;
  message?: string;
  values?: NameValuePair[];
}

export interface AutoScaleRun {
  timestamp: DateTimeString;
  /** `$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;…` */
  results?: string;
  error?: AutoScaleRunError;
}

export function validatePoolEnableAutoScale(body: unknown): ValidationResult<PoolEnableAutoScaleParameter> {
  return validateBody(
    {
      autoScaleFormula: str(),
      autoScaleEvaluationInterval: duration({ minMs: MIN_AUTOSCALE_INTERVAL_MS }),
    },
    body,
  );
}

export function validatePoolEvaluateAutoScale(
  body: unknown,
): ValidationResult<PoolEvaluateAutoScaleParameter> {
  return validateBody({ autoScaleFormula: req(str()) }, body);
}
