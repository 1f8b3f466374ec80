/** The value types of the formula language (Azure Batch: double, doubleVec, string, timestamp, timeinterval). */
export type Value =
  | { type: 'double'; value: number }
  | { type: 'vector'; values: number[] }
  | { type: 'string'; value: string }
  | { type: 'timestamp'; ms: number }
  | { type: 'interval'; ms: number }
  /** A read-only service variable: a number where one is needed, and sample methods (`$X.GetSample(…)`). */
  | { type: 'metric'; name: string };

export const double = (value: number): Value => ({ type: 'double', value });
export const vector = (values: number[]): Value => ({ type: 'vector', values });
export const interval = (ms: number): Value => ({ type: 'interval', ms });
export const timestamp = (ms: number): Value => ({ type: 'timestamp', ms });

/** TimeInterval_* constants, in milliseconds (100 ns is a ten-thousandth of one). */
export const TIME_INTERVALS: Readonly<Record<string, number>> = {
  TimeInterval_Zero: 0,
  TimeInterval_100ns: 0.0001,
  TimeInterval_Microsecond: 0.001,
  TimeInterval_Millisecond: 1,
  TimeInterval_Second: 1000,
  TimeInterval_Minute: 60_000,
  TimeInterval_Hour: 3_600_000,
  TimeInterval_Day: 86_400_000,
  TimeInterval_Week: 7 * 86_400_000,
  TimeInterval_Year: 365 * 86_400_000,
};

/** The values `$NodeDeallocationOption` takes, written as bare words in a formula. */
export const DEALLOCATION_OPTIONS = ['requeue', 'terminate', 'taskcompletion', 'retaineddata'] as const;

/** How a value is written in `autoScaleRun.results`. */
export function formatValue(value: Value): string {
  switch (value.type) {
    case 'double':
      return String(value.value);
    case 'vector':
      return `[${value.values.join(',')}]`;
    case 'string':
      return value.value;
    case 'timestamp':
      return new Date(value.ms).toISOString();
    case 'interval':
      return formatInterval(value.ms);
    case 'metric':
      return value.name;
  }
}

/** .NET TimeSpan's constant format, `[-][d.]hh:mm:ss[.fffffff]`, as Batch writes intervals. */
export function formatInterval(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const ticks = Math.round(Math.abs(ms) * 10_000);
  const totalSeconds = Math.floor(ticks / 10_000_000);
  const fraction = ticks % 10_000_000;
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor(totalSeconds / 3600) % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}`;
  return `${sign}${days > 0 ? `${days}.` : ''}${clock}${fraction > 0 ? `.${String(fraction).padStart(7, '0')}` : ''}`;
}

export function typeName(value: Value): string {
  return value.type === 'vector' ? 'doubleVec' : value.type === 'interval' ? 'timeinterval' : value.type;
}
