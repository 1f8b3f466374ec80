/**
 * Autoscale (Azure Batch REST reference: Pool - Enable Auto Scale, Disable Auto Scale, Evaluate Auto Scale;
 * learn.microsoft.com/azure/batch/batch-automatic-scaling):
 *
 *   add / enableautoscale  the formula is parsed (400 AutoScalingFormulaSyntaxError with line and column) and
 *                          evaluated at once; then every `autoScaleEvaluationInterval` (default 15 min) on the
 *                          service clock. Each run is the pool's `autoScaleRun`; a successful one sets the
 *                          targets as a resize does, with `$NodeDeallocationOption` for the nodes it removes.
 *   evaluateautoscale      evaluates a formula on the pool's metrics without applying it.
 *   disableautoscale       the pool keeps its current targets; formula, interval and last run are removed.
 *
 * Formula and interval are pool properties, stored with it, so autoscale goes on after a restart.
 */
import {
  DEFAULT_AUTOSCALE_INTERVAL,
  idKey,
  MAX_AUTOSCALE_FORMULA_LENGTH,
  MAX_AUTOSCALE_INTERVAL_MS,
  parseDuration,
  type AutoScaleRun,
  type CloudPool,
  type PoolAddParameter,
  type PoolEnableAutoScaleParameter,
} from '@batchite/protocol';
import {
  evaluateFormula,
  FormulaEvaluationError,
  FormulaSyntaxError,
  parseFormula,
  type EvaluationOutcome,
  type Formula,
} from '../autoscale/index.js';
import { apiError, propertyValues } from '../http/api-error.js';
import type { PoolDoc } from '../store/documents.js';
import { forgetSamples, poolMetrics, samplePool } from './autoscale-metrics.js';
import { getPool, poolNotFound, withAllocation } from './pools-service.js';
import { isoNow, type ServiceContext } from './service-context.js';

type PoolEntity = CloudPool & { id: string };

/** Parses a formula a request gives, or refuses it with Batch's 400. */
export function parseRequestFormula(formula: string): Formula {
  if (formula.length > MAX_AUTOSCALE_FORMULA_LENGTH) throw apiError('AutoScalingFormulaTooLong');
  try {
    return parseFormula(formula);
  } catch (error) {
    if (!(error instanceof FormulaSyntaxError)) throw error;
    throw apiError('AutoScalingFormulaSyntaxError', {
      message: `The specified autoscale formula has a syntax error: ${error.message}`,
      values: [{ key: 'Message', value: error.message }],
    });
  }
}

function invalidSettings(property: string, reason: string) {
  return apiError('InvalidAutoScalingSettings', { values: propertyValues(property, undefined, reason) });
}

function checkInterval(value: string | undefined): void {
  if (value === undefined) return;
  const ms = parseDuration(value);
  if (ms !== undefined && ms > MAX_AUTOSCALE_INTERVAL_MS) {
    throw apiError('InvalidPropertyValue', {
      values: propertyValues('autoScaleEvaluationInterval', value, 'The interval must be at most 168 hours.'),
    });
  }
}

/** Batch's rules for the autoscale properties of a pool add body. */
export function checkAutoScaleAdd(param: PoolAddParameter): void {
  if (param.enableAutoScale !== true) {
    for (const name of ['autoScaleFormula', 'autoScaleEvaluationInterval'] as const) {
      if (param[name] !== undefined) {
        throw invalidSettings(name, 'Only a pool with enableAutoScale set to true takes this property.');
      }
    }
    return;
  }
  if (param.autoScaleFormula === undefined) {
    throw apiError('MissingRequiredProperty', {
      values: propertyValues('autoScaleFormula', undefined, 'A pool with enableAutoScale takes a formula.'),
    });
  }
  for (const name of ['targetDedicatedNodes', 'targetLowPriorityNodes'] as const) {
    if (param[name] !== undefined) {
      throw invalidSettings(name, 'The autoscale formula sets the targets of a pool with enableAutoScale.');
    }
  }
  checkInterval(param.autoScaleEvaluationInterval);
  parseRequestFormula(param.autoScaleFormula);
}

export async function enableAutoScale(
  context: ServiceContext,
  poolId: string,
  param: PoolEnableAutoScaleParameter,
  check: (entity: CloudPool) => void,
): Promise<PoolDoc> {
  checkInterval(param.autoScaleEvaluationInterval);
  if (param.autoScaleFormula !== undefined) parseRequestFormula(param.autoScaleFormula);
  const mutation = await context.store.mutatePool(poolId, (pool) => {
    check(pool.entity);
    if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
    const enabled = pool.entity.enableAutoScale === true;
    const formula = param.autoScaleFormula ?? (enabled ? pool.entity.autoScaleFormula : undefined);
    if (
      formula === undefined ||
      (enabled && param.autoScaleEvaluationInterval === undefined && param.autoScaleFormula === undefined)
    ) {
      throw apiError('MissingRequiredProperty', {
        values: propertyValues(
          'autoScaleFormula',
          undefined,
          'Give a formula (or, when autoscale is enabled, a new interval).',
        ),
      });
    }
    // Batch: autoscale cannot be enabled while a resize is in progress.
    if (!enabled && pool.entity.allocationState !== 'steady') throw apiError('PoolBeingResized');
    const interval =
      param.autoScaleEvaluationInterval ??
      (enabled ? pool.entity.autoScaleEvaluationInterval : undefined) ??
      DEFAULT_AUTOSCALE_INTERVAL;
    const entity: PoolEntity = {
      ...pool.entity,
      enableAutoScale: true,
      autoScaleFormula: formula,
      autoScaleEvaluationInterval: interval,
    };
    return { next: { ...pool, entity }, result: undefined };
  });
  if (mutation === undefined) throw poolNotFound();
  return runAutoScale(context, poolId);
}

export async function disableAutoScale(
  context: ServiceContext,
  poolId: string,
  check: (entity: CloudPool) => void,
): Promise<PoolDoc> {
  const mutation = await context.store.mutatePool(poolId, (pool) => {
    check(pool.entity);
    if (pool.entity.state === 'deleting') throw apiError('PoolBeingDeleted');
    const {
      autoScaleFormula: _formula,
      autoScaleEvaluationInterval: _interval,
      autoScaleRun: _run,
      ...rest
    } = pool.entity;
    return { next: { ...pool, entity: { ...rest, enableAutoScale: false } }, result: undefined };
  });
  if (mutation?.next === undefined) throw poolNotFound();
  forgetSamples(context, poolId);
  context.events.emit('poolChanged', poolId);
  return mutation.next;
}

/** Evaluates `formula` on the pool's metrics now, without applying it. */
export async function evaluateAutoScale(
  context: ServiceContext,
  poolId: string,
  formula: string,
): Promise<AutoScaleRun> {
  const parsed = parseRequestFormula(formula);
  const pool = await getPool(context, poolId);
  if (pool.entity.enableAutoScale !== true) {
    throw apiError('OperationInvalidForCurrentState', {
      message: 'A formula can only be evaluated on a pool with autoscale enabled.',
      values: [{ key: 'Reason', value: 'Autoscale is not enabled on the pool.' }],
    });
  }
  return (await evaluateOn(context, pool, parsed)).run;
}

async function evaluateOn(
  context: ServiceContext,
  pool: PoolDoc,
  formula: Formula,
): Promise<{ run: AutoScaleRun; outcome?: EvaluationOutcome }> {
  const timestamp = isoNow(context);
  try {
    const outcome = evaluateFormula(formula, {
      now: context.clock.now(),
      random: context.random,
      metrics: await poolMetrics(context, pool),
      targetDedicatedNodes: pool.entity.targetDedicatedNodes ?? 0,
      targetLowPriorityNodes: pool.entity.targetLowPriorityNodes ?? 0,
    });
    return { run: { timestamp, results: outcome.results }, outcome };
  } catch (error) {
    if (!(error instanceof FormulaEvaluationError)) throw error;
    const message =
      error.code === 'InsufficientSampleData'
        ? 'Autoscale evaluation failed due to insufficient sample data'
        : 'Autoscale evaluation failed';
    return {
      run: {
        timestamp,
        error: { code: error.code, message, values: [{ name: 'Message', value: error.message }] },
      },
    };
  }
}

/**
 * Evaluates the pool's formula and applies it: the run is recorded, and when it succeeded the targets change as
 * a resize changes them (allocation `resizing` until the nodes joined or left).
 */
export async function runAutoScale(context: ServiceContext, poolId: string): Promise<PoolDoc> {
  const pool = await getPool(context, poolId);
  const formula = pool.entity.autoScaleFormula;
  if (pool.entity.enableAutoScale !== true || formula === undefined) return pool;
  const { run, outcome } = await evaluateOn(context, pool, parseFormula(formula));
  const mutation = await context.store.mutatePool(poolId, (current) => {
    // A formula changed or disabled meanwhile: that change ran (or runs) its own evaluation.
    if (current.entity.autoScaleFormula !== formula || current.entity.enableAutoScale !== true) {
      return { next: undefined, result: undefined };
    }
    if (outcome === undefined) {
      return { next: { ...current, entity: { ...current.entity, autoScaleRun: run } }, result: undefined };
    }
    const { resizeErrors: _lastErrors, ...entity } = current.entity;
    // Each evaluation is a new resize: the last one's quota grant and early end (resize-end.ts) no longer apply.
    const { grantedNodes: _lastGrant, settledNodes: _lastSettled, ...internal } = current.internal ?? {};
    const resized: PoolEntity = {
      ...entity,
      autoScaleRun: run,
      targetDedicatedNodes: outcome.targetDedicatedNodes,
      targetLowPriorityNodes: outcome.targetLowPriorityNodes,
    };
    return {
      next: {
        entity: withAllocation(resized, run.timestamp),
        internal: { ...internal, nodeDeallocationOption: outcome.nodeDeallocationOption },
      },
      result: undefined,
    };
  });
  if (mutation === undefined) throw poolNotFound();
  context.events.emit('poolChanged', poolId);
  return mutation.next ?? (await getPool(context, poolId));
}

/** When the pool's next evaluation is due: an interval after its last run. */
function due(pool: PoolDoc, now: number): boolean {
  const last = Date.parse(pool.entity.autoScaleRun?.timestamp ?? '');
  const interval = parseDuration(pool.entity.autoScaleEvaluationInterval ?? DEFAULT_AUTOSCALE_INTERVAL);
  return Number.isNaN(last) || interval === undefined || last + interval <= now;
}

/** One round of the maintenance loop: samples every autoscaled pool and evaluates those whose time has come. */
export async function autoscaleOnce(context: ServiceContext): Promise<void> {
  let afterKey: string | undefined;
  for (;;) {
    const page = await context.store.listPools({
      limit: 500,
      ...(afterKey === undefined ? {} : { afterKey }),
    });
    for (const pool of page) {
      if (pool.entity.enableAutoScale !== true || pool.entity.state === 'deleting') continue;
      await samplePool(context, pool);
      if (due(pool, context.clock.now())) await runAutoScale(context, pool.entity.id);
    }
    const last = page[page.length - 1];
    if (page.length < 500 || last === undefined) return;
    afterKey = idKey(last.entity.id);
  }
}
