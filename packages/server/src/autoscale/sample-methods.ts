/**
 * The sample methods of a read-only variable: `GetSample`, `GetSamplePercent`, `GetSamplePeriod`, `Count`,
 * `HistoryBeginTime` (learn.microsoft.com/azure/batch/batch-automatic-scaling, "Obtain sample data").
 * A time window is given as look-back intervals (`GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute)`
 * is the samples taken after six and up to one minute ago) or timestamps. The percentage compares the samples
 * present with the samples a 30-second period would have taken in the window, so missing samples (a pool younger
 * than the window, a restarted server) show.
 */
import { FormulaEvaluationError } from './errors.js';
import type { FunctionContext } from './functions.js';
import { SAMPLE_PERIOD_MS, type MetricSource, type Sample } from './samples.js';
import { double, interval, timestamp, vector, typeName, type Value } from './values.js';

interface Window {
  from: number;
  to: number;
}

function fail(context: FunctionContext, reason: string): never {
  throw new FormulaEvaluationError('FormulaEvaluationError', reason, context.position);
}

function instant(value: Value, now: number, context: FunctionContext): number {
  if (value.type === 'interval') return now - value.ms;
  if (value.type === 'timestamp') return value.ms;
  return fail(context, `expected a timeinterval or timestamp, not a ${typeName(value)}`);
}

function windowOf(args: readonly Value[], context: FunctionContext): Window {
  const [first, second] = args;
  const start = instant(first!, context.now, context);
  const end = second === undefined ? context.now : instant(second, context.now, context);
  return { from: Math.min(start, end), to: Math.max(start, end) };
}

function inWindow(samples: readonly Sample[], window: Window): Sample[] {
  return samples.filter((sample) => sample.time > window.from && sample.time <= window.to);
}

function percentIn(samples: readonly Sample[], window: Window): number {
  const expected = Math.floor((window.to - window.from) / SAMPLE_PERIOD_MS);
  if (expected <= 0) return samples.length > 0 ? 100 : 0;
  return Math.min(100, (samples.length / expected) * 100);
}

function insufficient(name: string, wanted: string, received: string, context: FunctionContext): never {
  throw new FormulaEvaluationError(
    'InsufficientSampleData',
    `Insufficient data from data set: ${name} wanted ${wanted}, received ${received}`,
    context.position,
  );
}

const isTime = (value: Value | undefined): boolean =>
  value?.type === 'interval' || value?.type === 'timestamp';

function getSample(
  name: string,
  args: readonly Value[],
  history: readonly Sample[],
  context: FunctionContext,
): Value {
  const [first] = args;
  if (args.length === 1 && first?.type === 'double') {
    const count = Math.trunc(first.value);
    if (history.length === 0 || count < 1)
      insufficient(name, `${count} samples`, `${history.length}`, context);
    return vector(history.slice(-count).map((sample) => sample.value));
  }
  if (args.length < 1 || args.length > 3 || !isTime(first)) {
    fail(context, 'GetSample expects a count, or a start [, end] time and an optional sample percentage');
  }
  const hasEnd = isTime(args[1]);
  const window = windowOf(hasEnd ? args.slice(0, 2) : args.slice(0, 1), context);
  const required = args[hasEnd ? 2 : 1];
  const wanted = required === undefined ? 0 : context.toNumber(required);
  const samples = inWindow(history, window);
  const percent = percentIn(samples, window);
  if (samples.length === 0 || percent < wanted) {
    insufficient(name, `${wanted}%`, `${Math.floor(percent)}%`, context);
  }
  return vector(samples.map((sample) => sample.value));
}

export function callSampleMethod(
  name: string,
  method: string,
  args: readonly Value[],
  input: { metrics: MetricSource },
  context: FunctionContext,
): Value {
  if (input.metrics.current(name) === undefined) fail(context, `${name} is not measured by Batchite`);
  const history = input.metrics.samples(name);
  switch (method) {
    case 'GetSample':
      return getSample(name, args, history, context);
    case 'GetSamplePercent': {
      if (args.length < 1 || args.length > 2 || !args.every(isTime)) {
        fail(context, 'GetSamplePercent expects a start [, end] time');
      }
      const window = windowOf(args, context);
      return double(percentIn(inWindow(history, window), window));
    }
    case 'GetSamplePeriod':
      return interval(SAMPLE_PERIOD_MS);
    case 'Count':
      return double(history.length);
    case 'HistoryBeginTime': {
      const oldest = history[0];
      if (oldest === undefined) insufficient(name, 'a sample', 'none', context);
      return timestamp(oldest.time);
    }
    default:
      return fail(context, `${method} is not a sample method`);
  }
}
